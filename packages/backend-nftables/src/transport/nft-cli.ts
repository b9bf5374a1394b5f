import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type BackendError, backendError } from '@lbkit/core';
import { NETNS_NAME } from '@lbkit/netlink';
import { err, ok, type Result, ResultAsync } from 'neverthrow';
import { classifyNftError, firstLine, parseNftJson } from './classify.js';
import type { NftRunner } from './nft-runner.js';

/** Options for `createNftCliTransport`. */
export interface NftCliOptions {
  /** The `nft` binary. Default: the first of `/usr/sbin/nft`, `/sbin/nft`, `/usr/bin/nft` that exists. */
  readonly nft?: string;
  /** The `ip` binary used for `netns`. Default `/usr/sbin/ip` (or `/sbin/ip`, `/bin/ip`). */
  readonly ip?: string;
  /** Run every command as `ip netns exec NAME nft ...`. Default: the own namespace. */
  readonly netns?: string;
  /** Kill a command that takes longer (ms). Default 30000. */
  readonly timeoutMs?: number;
}

const findBinary = (candidates: readonly string[]): string | undefined =>
  candidates.find((path) => existsSync(path));

/** Result of one child process. */
interface Exit {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runChild(
  argv: readonly string[],
  input: string | undefined,
  timeoutMs: number,
): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      timeout: timeoutMs,
    });
    const out: Buffer[] = [];
    const errs: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => errs.push(b));
    child.once('error', reject);
    child.once('close', (code, signal) =>
      resolve({
        code: signal ? null : code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(errs).toString('utf8') + (signal ? ` (killed by ${signal})` : ''),
      }),
    );
    if (input !== undefined) {
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(input);
    }
  });
}

/**
 * The fallback transport: spawns `nft` for each call. A script goes as TEXT on
 * stdin to `nft -f -` (one transaction: nft commits the whole file as one
 * netlink batch or nothing). JSON comes from `nft -j <command>` (`nft -j -f -`
 * cannot read JSON from a Node-spawned stdin on nft 1.0.6, so JSON is never
 * sent). About 5-20 ms per call (process start). Fails with `unavailable` when
 * `nft` (or `ip`, with `netns`) is missing.
 */
export function openNftCli(options: NftCliOptions = {}): Result<NftRunner, BackendError> {
  const nft = options.nft ?? findBinary(['/usr/sbin/nft', '/sbin/nft', '/usr/bin/nft']);
  if (!nft || !existsSync(nft)) {
    return err(
      backendError(
        'unavailable',
        `nft binary not found (${options.nft ?? '/usr/sbin/nft'}; package nftables)`,
      ),
    );
  }
  let prefix: string[] = [];
  if (options.netns !== undefined) {
    if (!NETNS_NAME.test(options.netns)) {
      return err(
        backendError(
          'unavailable',
          `invalid network namespace name ${JSON.stringify(options.netns)}`,
        ),
      );
    }
    const ip = options.ip ?? findBinary(['/usr/sbin/ip', '/sbin/ip', '/bin/ip']);
    if (!ip) return err(backendError('unavailable', 'ip binary not found (package iproute2)'));
    prefix = [ip, 'netns', 'exec', options.netns];
  }
  const timeoutMs = options.timeoutMs ?? 30_000;
  let closed = false;

  const exec = (args: readonly string[], input?: string): ResultAsync<Exit, BackendError> =>
    closed
      ? ResultAsync.fromPromise(Promise.reject(), () =>
          backendError('closed', 'nft CLI transport is closed'),
        )
      : ResultAsync.fromPromise(runChild([...prefix, nft, ...args], input, timeoutMs), (cause) =>
          backendError('unavailable', `cannot run ${nft}: ${String(cause)}`, { cause }),
        );

  return ok({
    name: 'nft-cli',
    run(script: string): ResultAsync<string, BackendError> {
      return exec(['-f', '-'], script).andThen((exit) =>
        exit.code === 0
          ? ok(exit.stdout)
          : err(
              classifyNftError(
                `nft -f - refused the script (starting ${JSON.stringify(firstLine(script))})`,
                exit.stderr,
              ),
            ),
      );
    },
    json(command: string): ResultAsync<unknown, BackendError> {
      // The command is our own fixed text (e.g. `list table inet lbkit`); split on blanks.
      const words = command.trim().split(/\s+/);
      return exec(['-j', ...words]).andThen((exit) => {
        if (exit.code !== 0) return err(classifyNftError(`nft -j ${command}`, exit.stderr));
        const parsed = parseNftJson(exit.stdout);
        return parsed.ok ? ok(parsed.value) : err(parsed.error);
      });
    },
    close() {
      closed = true;
    },
  });
}
