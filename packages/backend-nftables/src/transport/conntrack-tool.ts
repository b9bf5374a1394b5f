import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type BackendError, backendError } from '@lbkit/core';
import { NETNS_NAME } from '@lbkit/netlink';
import { err, ok, type Result, ResultAsync } from 'neverthrow';
import type { StaleUdpFlows } from './transport.js';

/**
 * Deletes conntrack entries so that existing UDP "connections" of a service stop
 * going to a destination that left it (kube-proxy does this: UDP has no end, so
 * without it a client keeps sending to the dead destination until the entry
 * times out). The real transports use it for `forgetUdpFlows`.
 */
export interface ConntrackCleaner {
  /** `conntrack-tool`, or a fake's name. */
  readonly name: string;
  /** Deletes the matching entries; resolves to the number deleted. */
  deleteUdpFlows(flows: readonly StaleUdpFlows[]): ResultAsync<number, BackendError>;
}

/** Options for `createConntrackToolCleaner`. */
export interface ConntrackToolOptions {
  /** The `conntrack` binary (package `conntrack`). Default: `/usr/sbin/conntrack` or `/sbin/conntrack`. */
  readonly binary?: string;
  /** Run as `ip netns exec NAME conntrack ...`. Default: the own namespace. */
  readonly netns?: string;
  /** The `ip` binary for `netns`. Default `/usr/sbin/ip` (or `/sbin/ip`, `/bin/ip`). */
  readonly ip?: string;
}

const first = (paths: readonly string[]): string | undefined => paths.find((p) => existsSync(p));

/** The conntrack arguments deleting one service's flows to one destination. */
export function conntrackDeleteArgs(flow: StaleUdpFlows): string[] {
  const family = flow.service.vip.includes(':') ? ['-f', 'ipv6'] : [];
  return [
    '-D',
    ...family,
    '-p',
    'udp',
    '--orig-dst',
    flow.service.vip,
    '--orig-port-dst',
    String(flow.service.port),
    '--reply-src',
    flow.address,
    '--reply-port-src',
    String(flow.port),
  ];
}

/**
 * Parses how many entries `conntrack -D` deleted from its summary line. Exit
 * code 1 with "0 flow entries have been deleted" is not an error.
 */
export function parseDeleted(code: number | null, stderr: string): Result<number, string> {
  const match = /(\d+) flow entries have been deleted/.exec(stderr);
  if (match) return ok(Number(match[1]));
  if (code === 0) return ok(0);
  return err(stderr.trim() || `exit code ${code}`);
}

function runTool(argv: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 10_000,
    });
    const chunks: Buffer[] = [];
    child.stderr?.on('data', (b: Buffer) => chunks.push(b));
    child.once('error', reject);
    child.once('close', (code) =>
      resolve({ code, stderr: Buffer.concat(chunks).toString('utf8') }),
    );
  });
}

/**
 * A cleaner that runs the `conntrack` tool once per stale (service,
 * destination) pair: `conntrack -D -p udp --orig-dst VIP --orig-port-dst PORT
 * --reply-src DEST --reply-port-src DPORT`. Fails with `unavailable` when the
 * binary (or `ip`, with `netns`) is missing. Addresses come from the validated
 * model and are passed as separate argv entries (no shell).
 */
export function createConntrackToolCleaner(
  options: ConntrackToolOptions = {},
): Result<ConntrackCleaner, BackendError> {
  const binary =
    options.binary ?? first(['/usr/sbin/conntrack', '/sbin/conntrack', '/usr/bin/conntrack']);
  if (!binary || !existsSync(binary)) {
    return err(backendError('unavailable', 'conntrack binary not found (package conntrack)'));
  }
  let prefix: string[] = [];
  if (options.netns !== undefined) {
    const ip = options.ip ?? first(['/usr/sbin/ip', '/sbin/ip', '/bin/ip']);
    if (!NETNS_NAME.test(options.netns) || !ip) {
      return err(
        backendError(
          'unavailable',
          `cannot enter network namespace ${JSON.stringify(options.netns)}`,
        ),
      );
    }
    prefix = [ip, 'netns', 'exec', options.netns];
  }
  const deleteOne = async (flow: StaleUdpFlows): Promise<number> => {
    const { code, stderr } = await runTool([...prefix, binary, ...conntrackDeleteArgs(flow)]);
    const parsed = parseDeleted(code, stderr);
    if (parsed.isErr())
      throw new Error(`conntrack ${conntrackDeleteArgs(flow).join(' ')}: ${parsed.error}`);
    return parsed.value;
  };
  return ok({
    name: 'conntrack-tool',
    deleteUdpFlows(flows: readonly StaleUdpFlows[]): ResultAsync<number, BackendError> {
      return ResultAsync.fromPromise(
        (async () => {
          let total = 0;
          for (const flow of flows) total += await deleteOne(flow);
          return total;
        })(),
        (cause) => backendError('rejected', (cause as Error).message, { cause }),
      );
    },
  });
}
