/**
 * The article's level 2 on IPVS itself, in the kernel VM (this host has no
 * IPVS): the dns-cluster daemon (its own option mapping and config loader,
 * run in this process: a TypeScript child takes minutes to start under TCG)
 * with `--backend ipvs --level 2 --hold-vips lbkit-vips0` (the VIP only routed
 * to the balancer) and the shipped level2.yaml, in front of two
 * dnsmasq name servers that have no route to the client: IPVS rr/NAT for UDP
 * and TCP :53, DNS TXT checks, and the nftables SNAT companion on the return
 * path. A dig-style client counts answers per server, one server is killed
 * under a query loop and the failed queries are counted. Then the same
 * servers behind IPVS direct routing (dr.yaml, `forward: route`).
 */
import { type ChildProcess, execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ipvsadmList } from '@lbkit/backend-ipvs/testing';
import { dnsmasqNameServerArgv } from '@lbkit/core/testing';
import { enterNetworkNamespace } from '@lbkit/netlink';
import { afterEach, describe, expect, it } from 'vitest';
import { IPVS_CONNTRACK_SYSCTL } from '../common/ipvs-snat.js';
import { onLines, waitFor } from '../common/lines.js';
import { runConfigDaemon } from '../common/run-config.js';
import type { DaemonSignal, TrappedSignals } from '../common/signals.js';
import { CLUSTER, type ClusterLab, createClusterLab } from '../lab/cluster-lab.js';
import { EXAMPLES_DIR } from '../programs.js';
import { levelBackendOptions } from './backend-options.js';

const execFileAsync = promisify(execFile);
const QUERY = fileURLToPath(
  new URL('../../../packages/backend-ipvs/src/testing/dns-query.mjs', import.meta.url),
);

/** The dig-style client: `count` TXT queries to the VIP, a new socket each, one answer per line. */
const queryArgv = (protocol: 'udp' | 'tcp', count: number): string[] => [
  process.execPath,
  QUERY,
  CLUSTER.vip,
  'health.load.balance',
  String(count),
  protocol,
];

function skipReason(): string | false {
  if (process.env['LBKIT_IN_VM'] !== '1') {
    return 'IPVS tests run inside the kernel VM: npm run test:vm (scripts/kernel-vm)';
  }
  if (existsSync('/usr/sbin/dnsmasq')) return false;
  if (process.env['CI'] === 'true') throw new Error('dnsmasq is required under CI');
  return 'needs dnsmasq';
}
const skip = skipReason();

/** Signals the test sends by hand (the daemon's SIGTERM). */
function handSignals(): TrappedSignals & { send(signal: DaemonSignal): void } {
  const handlers = new Map<DaemonSignal, () => void>();
  let stopRequested = false;
  return {
    on: (signal, handler) => void handlers.set(signal, handler),
    get stopRequested() {
      return stopRequested;
    },
    send(signal) {
      if (signal !== 'SIGHUP') stopRequested = true;
      handlers.get(signal)?.();
    },
  };
}

interface NameServer {
  readonly child: ChildProcess;
  readonly log: string[];
}

/** The cluster lab, two dnsmasq servers, and the daemon running in the lb namespace. */
class DnsCluster {
  readonly lines: string[] = [];
  readonly servers = new Map<number, NameServer>();
  readonly #signals = handSignals();
  #exit: Promise<number> | undefined;
  #restore: (() => void) | undefined;

  constructor(readonly cluster: ClusterLab) {}

  async startServer(n: number): Promise<void> {
    const child = this.cluster.lab.spawn(
      `s${n}`,
      dnsmasqNameServerArgv({ txt: `=nameserver-${n}=`, logQueries: true }),
    );
    const log: string[] = [];
    onLines(child.stderr, (line) => log.push(line));
    this.servers.set(n, { child, log });
    await waitFor(() => log.some((l) => /started/.test(l)), 30_000, `dnsmasq ${n}`);
  }

  async startDaemon(config: string, level: '2' | '3', holdVips?: string): Promise<void> {
    this.#restore = (await enterNetworkNamespace(this.cluster.lab.ns('lb')))._unsafeUnwrap();
    const log = (line: string) => void this.lines.push(line);
    this.#exit = runConfigDaemon({
      program: 'dns-cluster',
      config: join(EXAMPLES_DIR, 'dns-cluster', config),
      backend: 'ipvs',
      nftables: {
        ...levelBackendOptions(level, 'dns_cluster'),
        ...(holdVips !== undefined && { holdVips }),
      },
      signals: this.#signals,
      info: log,
      warn: log,
    });
    await this.waitForLine(/dns-cluster: ready/, 30_000);
  }

  async waitForLine(pattern: RegExp, timeoutMs = 20_000, from = 0): Promise<void> {
    await waitFor(
      () => this.lines.slice(from).some((l) => pattern.test(l)),
      timeoutMs,
      () => `${pattern}:\n${this.lines.join('\n')}`,
    );
  }

  /** `count` TXT queries from the client, a new socket each: the answers (`error: ...` when one failed). */
  async ask(protocol: 'udp' | 'tcp', count: number): Promise<string[]> {
    const { stdout } = await execFileAsync(
      'ip',
      ['netns', 'exec', this.cluster.lab.ns('client'), ...queryArgv(protocol, count)],
      { encoding: 'utf8', timeout: 120_000 },
    );
    return stdout.trim().split('\n');
  }

  /** Like `ask`, but the answers arrive in `answers` as they come; `done` resolves at the end. */
  askLive(protocol: 'udp' | 'tcp', count: number): { answers: string[]; done: Promise<void> } {
    const child = this.cluster.lab.spawn('client', queryArgv(protocol, count));
    const answers: string[] = [];
    onLines(child.stdout, (line) => answers.push(line));
    const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    return { answers, done };
  }

  /** Stops the daemon (as SIGTERM does) and leaves the namespace; its exit code. */
  async stop(): Promise<number | undefined> {
    this.#signals.send('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the daemon did not stop in 30 s:\n${this.lines.join('\n')}`)),
        30_000,
      );
    });
    const code = await Promise.race([this.#exit, late]).finally(() => clearTimeout(timer));
    this.#restore?.();
    this.#restore = undefined;
    return code;
  }
}

/** A progress line on stdout (the VM is slow: a hang shows where it is). */
const step = (what: string): void =>
  void process.stdout.write(`${new Date().toISOString()} ${what}\n`);

const tally = (answers: readonly string[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const a of answers) out[a] = (out[a] ?? 0) + 1;
  return out;
};

/** Waits (at most 10 s) until every IPVS service of the lab's balancer has exactly `addresses`. */
async function kernelHolds(cluster: ClusterLab, addresses: readonly string[]): Promise<void> {
  const want = JSON.stringify(addresses);
  for (let i = 0; i < 100; i++) {
    const listed = await ipvsadmList(cluster.lab.ns('lb'));
    const held = listed.services.map((s) => JSON.stringify(s.destinations.map((d) => d.address)));
    if (held.length > 0 && held.every((h) => h === want)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`IPVS never held only ${want}`);
}

const lbExec = async (cluster: ClusterLab, argv: readonly string[]): Promise<string> =>
  (await cluster.lab.exec('lb', argv)).stdout;

describe.skipIf(skip)(`dns-cluster on IPVS${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let dns: DnsCluster | undefined;
  afterEach(async () => {
    await dns?.stop();
    await dns?.cluster.lab.destroy();
    dns = undefined;
  });

  it('level 2: UDP and TCP :53, rr, NAT, SNAT on the way back; a killed server costs a few queries', async () => {
    dns = new DnsCluster(await createClusterLab('lbkvc', 2, 2));
    await Promise.all([1, 2].map((n) => dns!.startServer(n)));
    // The VIP only routed here: --hold-vips puts it on a dummy link the backend owns.
    await lbExec(dns.cluster, ['ip', 'addr', 'del', `${CLUSTER.vip}/32`, 'dev', 'lo']);
    await dns.startDaemon('level2.yaml', '2', 'lbkit-vips0');
    expect(dns.lines.join('\n')).toMatch(/with ipvs\+nftables-snat/);
    expect(dns.lines.join('\n')).not.toMatch(/not a local address/);
    expect(await lbExec(dns.cluster, ['ip', '-o', 'addr', 'show', 'dev', 'lbkit-vips0'])).toContain(
      `${CLUSTER.vip}/32`,
    );
    expect((await lbExec(dns.cluster, ['cat', IPVS_CONNTRACK_SYSCTL])).trim()).toBe('1');
    const listed = await ipvsadmList(dns.cluster.lab.ns('lb'));
    expect(listed.services.map((s) => s.destinations.length)).toEqual([2, 2]);

    const both = { '=nameserver-1=': 5, '=nameserver-2=': 5 };
    expect(tally(await dns.ask('udp', 10))).toEqual(both);
    expect(tally(await dns.ask('tcp', 10))).toEqual(both);
    // The servers have no route to the client: they saw the balancer's address only.
    const queries = [...dns.servers.values()].flatMap((s) =>
      s.log.filter((l) => /query\[TXT\] health\.load\.balance from /.test(l)),
    );
    expect(queries.filter((l) => l.endsWith(`from ${CLUSTER.client}`))).toEqual([]);
    expect(queries.filter((l) => l.endsWith(`from ${CLUSTER.lbMgmt}`)).length).toBeGreaterThan(20);

    // Kill nameserver-2 under a query loop (once it is answering); count what failed.
    const loop = dns.askLive('udp', 60);
    await waitFor(() => loop.answers.length >= 6, 60_000, 'the query loop to answer');
    const from = dns.lines.length;
    const killedAt = Date.now();
    const before = loop.answers.length;
    await dns.cluster.lab.kill(dns.servers.get(2)!.child, 'SIGKILL');
    await dns.waitForLine(/service dns-udp: destination nameserver-2 .* up -> down/, 20_000, from);
    const removedMs = Date.now() - killedAt;
    await dns.waitForLine(/service dns-tcp: destination nameserver-2 .* up -> down/, 20_000, from);
    await loop.done;
    const after = loop.answers.slice(before);
    const failed = after.filter((a) => a.startsWith('error')).length;
    process.stdout.write(
      `dns-cluster on IPVS: nameserver-2 removed ${removedMs} ms after kill -9; ${failed} of ${after.length} UDP queries after the kill failed (a failed one waits 2 s)\n`,
    );
    expect(loop.answers.slice(0, before).filter((a) => a.startsWith('error'))).toEqual([]);
    // fall 2 at 1 s: removed within ~2-3 s, and the loop waits 2 s per failed query.
    expect(failed).toBeLessThanOrEqual(3);
    expect(after.slice(-10).filter((a) => a.startsWith('error'))).toEqual([]);
    step('asking again');
    expect(tally(await dns.ask('udp', 6))).toEqual({ '=nameserver-1=': 6 });
    expect(tally(await dns.ask('tcp', 6))).toEqual({ '=nameserver-1=': 6 });

    step('stopping');
    expect(await dns.stop()).toBe(0);
    step('stopped');
    expect((await ipvsadmList(dns.cluster.lab.ns('lb'))).services).toEqual([]);
    expect(await lbExec(dns.cluster, ['nft', 'list', 'tables'])).not.toMatch(/dns_cluster/);
    expect(await lbExec(dns.cluster, ['ip', '-o', 'link', 'show'])).not.toMatch(/lbkit-vips0/);
  }, 300_000);

  it('direct routing (dr.yaml, forward: route): servers answer the client from the VIP', async () => {
    const cluster = await createClusterLab('lbkvr', 2, 2);
    dns = new DnsCluster(cluster);
    for (const n of [1, 2]) {
      const role = `s${n}`;
      await cluster.lab.exec(role, ['ip', 'addr', 'add', `${CLUSTER.vip}/32`, 'dev', 'lo']);
      for (const conf of ['all', 'eth0']) {
        await cluster.lab.exec(role, ['sysctl', '-qw', `net.ipv4.conf.${conf}.arp_ignore=1`]);
        await cluster.lab.exec(role, ['sysctl', '-qw', `net.ipv4.conf.${conf}.arp_announce=2`]);
      }
      // Replies go to the client directly; in this lab the only router is the balancer host.
      await cluster.lab.exec(role, ['ip', 'route', 'add', 'default', 'via', CLUSTER.lbMgmt]);
    }
    // The replies come from the VIP, which is local on the balancer host: accept them there.
    await cluster.lab.exec('lb', ['sysctl', '-qw', 'net.ipv4.conf.mgmt.accept_local=1']);
    await cluster.lab.exec('lb', ['sysctl', '-qw', 'net.ipv4.conf.mgmt.rp_filter=0']);
    await cluster.lab.exec('lb', ['sysctl', '-qw', 'net.ipv4.conf.all.rp_filter=0']);
    await Promise.all([1, 2].map((n) => dns!.startServer(n)));
    await dns.startDaemon('dr.yaml', '3');
    expect(await lbExec(cluster, ['ipvsadm', '-Ln'])).toMatch(/198\.51\.100\.11:53\s+Route/);

    const both = { '=nameserver-1=': 5, '=nameserver-2=': 5 };
    expect(tally(await dns.ask('udp', 10))).toEqual(both);
    expect(tally(await dns.ask('tcp', 10))).toEqual(both);
    // DR keeps the client address (no SNAT anywhere).
    const fromClient = [...dns.servers.values()].flatMap((s) =>
      s.log.filter((l) => l.endsWith(`health.load.balance from ${CLUSTER.client}`)),
    );
    expect(fromClient.length).toBeGreaterThanOrEqual(20);

    const from = dns.lines.length;
    await cluster.lab.kill(dns.servers.get(1)!.child, 'SIGKILL');
    await dns.waitForLine(/service dns-udp: destination nameserver-1 .* up -> down/, 20_000, from);
    await dns.waitForLine(/service dns-tcp: destination nameserver-1 .* up -> down/, 20_000, from);
    // The log line comes with the state change; the IPVS apply follows it.
    await kernelHolds(cluster, [CLUSTER.mgmt(2)]);
    expect(tally(await dns.ask('udp', 4))).toEqual({ '=nameserver-2=': 4 });
    expect(tally(await dns.ask('tcp', 4))).toEqual({ '=nameserver-2=': 4 });
    expect(await dns.stop()).toBe(0);
  }, 300_000);
});
