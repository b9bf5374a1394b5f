/**
 * Test harness of the HA kernel tests and the bench: runs the lab's servers,
 * an lbkit+keepalived node in each balancer namespace, and the client's
 * load, and reads what they report.
 * @module
 */
import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { NftablesRenderOptions } from '@lbkit/backend-nftables';
import type { HealthInput, Scheduler, ServiceInput } from '@lbkit/core';
import { dnsmasqNameServerArgv } from '@lbkit/core/testing';
import type { HaInput } from '../options.js';
import { PAIR, type PairLab, type PairNode } from '../testing/pair-lab.js';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
process.env['TSX_TSCONFIG_PATH'] ??= here('../../../../tsconfig.json');

/** TCP ports of the lab's line servers, by scheduler. */
export const PORTS = { rr: 7000, sh: 7001, mh: 7002, echo: 7003, echoMh: 7004, dns: 53 } as const;

/** Polls `predicate` every 10 ms until it holds; rejects after `ms` with `what`. */
export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  ms: number,
  what: string | (() => string),
): Promise<void> {
  const until = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > until)
      throw new Error(`timed out after ${ms} ms: ${typeof what === 'string' ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Lines of a child's stdout as JSON objects (others ignored). */
function jsonLines(child: ChildProcess, into: Record<string, unknown>[]): void {
  if (!child.stdout) return;
  createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      into.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // not ours
    }
  });
}

/**
 * The services of the lab: rr, sh and Maglev on TCP line servers, DNS over
 * UDP; with `echo`, also the echo servers' long-lived connections, rr
 * (`echo`) and Maglev (`echomh`).
 */
export function labServices(
  pair: PairLab,
  health: Partial<HealthInput> = {},
  options: { readonly echo?: boolean } = {},
): ServiceInput[] {
  const h: HealthInput = {
    interval: 100,
    fastInterval: 50,
    downInterval: 200,
    // Tolerant enough for a loaded 2-core machine: a slow answer is not a dead server.
    timeout: 300,
    rise: 2,
    fall: 3,
    initial: 'unknown',
    ...health,
  };
  const dests = (port: number) =>
    pair.servers.map((name, i) => ({ name, address: PAIR.server(i + 1), port }));
  const line = (name: string, scheduler: Scheduler, port: number): ServiceInput => ({
    name,
    vip: PAIR.vip,
    port,
    protocol: 'tcp',
    scheduler,
    probe: { kind: 'tcp' },
    health: h,
    destinations: dests(port),
  });
  return [
    line('line', 'rr', PORTS.rr),
    line('hashed', 'sh', PORTS.sh),
    line('maglev', 'mh', PORTS.mh),
    ...(options.echo ? [line('echo', 'rr', PORTS.echo), line('echomh', 'mh', PORTS.echoMh)] : []),
    {
      name: 'dns',
      vip: PAIR.vip,
      port: PORTS.dns,
      protocol: 'udp',
      probe: { kind: 'dns', name: 'health.load.balance', type: 'TXT' },
      health: h,
      destinations: dests(PORTS.dns),
    },
  ];
}

/** Starts a line server (every TCP port) and dnsmasq in each server namespace. */
export async function startServers(
  pair: PairLab,
  options: { readonly dns?: boolean; readonly waitMs?: number } = {},
): Promise<ChildProcess[]> {
  const children: ChildProcess[] = [];
  for (const [i, role] of pair.servers.entries()) {
    const line = pair.lab.spawn(role, [
      process.execPath,
      here('./lab/line-server.mjs'),
      role,
      String(PORTS.rr),
      String(PORTS.sh),
      String(PORTS.mh),
      `+${PORTS.echo}`,
      `+${PORTS.echoMh}`,
    ]);
    children.push(line);
    let ready = false;
    let started = options.dns === false;
    line.stdout?.on('data', (d: Buffer) => {
      if (String(d).includes('ready')) ready = true;
    });
    if (options.dns !== false) {
      const dns = pair.lab.spawn(
        role,
        dnsmasqNameServerArgv({ txt: role, listen: PAIR.server(i + 1) }),
      );
      children.push(dns);
      dns.stderr?.on('data', (d: Buffer) => {
        if (String(d).includes('started')) started = true;
      });
    }
    await waitFor(() => ready && started, options.waitMs ?? 10_000, `servers of ${role}`);
  }
  return children;
}

/** A running lab node (lbkit + keepalived). */
export interface LabNode {
  readonly node: PairNode;
  readonly child: ChildProcess;
  /** Every JSON line it printed, in order. */
  readonly messages: Record<string, unknown>[];
  /** The last role it reported (`unknown` before any). */
  role(): string;
  /** Epoch ms of the first `role` event matching after `since`. */
  roleAt(role: string, since: number): number | undefined;
  /** The last health each destination of each service reported, by `service/destination`. */
  destinations(): Record<string, string>;
  send(command: string): void;
  /** Waits for a message matching `predicate` (from index `from`). */
  waitFor(
    predicate: (m: Record<string, unknown>) => boolean,
    ms: number,
    what: string,
    from?: number,
  ): Promise<Record<string, unknown>>;
  /** Graceful stop (stdin closed): HA first, then the balancer. */
  stop(): Promise<void>;
}

/** Starts lbkit + keepalived on `node` and waits until keepalived runs. */
export async function startNode(
  pair: PairLab,
  node: PairNode,
  options: {
    readonly ha?: Partial<HaInput>;
    /**
     * Flow sync: conntrackd on the sync link (`pair.conntrackdInput`), with
     * the takeover guard unless `guard: false`.
     */
    readonly flowSync?: {
      readonly guard?: boolean;
      /** conntrackd's commit starts 1 s late (lab/slow-commit-conntrackd.sh: a large table's commit). */
      readonly slowCommit?: boolean;
      /** The guard covers UDP too (`renderTakeoverGuard`'s `udp`). */
      readonly udp?: boolean;
    };
    readonly backend?: 'nftables' | 'ipvs';
    readonly nftables?: NftablesRenderOptions;
    readonly services?: ServiceInput[];
    /** How long the node may take to start (the emulated VM is slow). Default 30 s. */
    readonly startMs?: number;
  } = {},
): Promise<LabNode> {
  const sync = options.flowSync;
  const guard = sync !== undefined && sync.guard !== false;
  const spec = {
    services: options.services ?? labServices(pair),
    backend: options.backend ?? 'nftables',
    nftables: options.nftables ?? {},
    ha: pair.haInput(node, {
      ...options.ha,
      ...(sync && {
        conntrackd: pair.conntrackdInput(node, {
          guard,
          ...(sync.udp && { guardUdp: true }),
          ...(sync.slowCommit && { binary: here('./lab/slow-commit-conntrackd.sh') }),
        }),
      }),
    }),
    ...(guard && {
      guard: {
        table: 'lbkit_guard',
        vips: [PAIR.vip, PAIR.innerVip],
        from: pair.servers.map((_, i) => PAIR.server(i + 1)),
        ...(sync?.udp && { udp: true }),
      },
    }),
  };
  const child = pair.lab.spawn(
    node,
    [process.execPath, '--import', tsx, here('./lab/ha-node.ts'), JSON.stringify(spec)],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  const messages: Record<string, unknown>[] = [];
  jsonLines(child, messages);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = `${stderr}${d}`.slice(-4000);
  });
  const describe = () => `${node}: ${messages.map((m) => JSON.stringify(m)).join('\n')}\n${stderr}`;
  const running: LabNode = {
    node,
    child,
    messages,
    role() {
      const last = messages.filter((m) => m['type'] === 'role').at(-1);
      return (last?.['role'] as string | undefined) ?? 'unknown';
    },
    roleAt(role, since) {
      const m = messages.find(
        (x) => x['type'] === 'role' && x['role'] === role && (x['at'] as number) >= since,
      );
      return m?.['at'] as number | undefined;
    },
    destinations() {
      const out: Record<string, string> = {};
      for (const m of messages) {
        if (m['type'] === 'destination')
          out[`${m['service']}/${m['destination']}`] = String(m['to']);
      }
      return out;
    },
    send(command) {
      child.stdin?.write(`${command}\n`);
    },
    async waitFor(predicate, ms, what, from = 0) {
      let found: Record<string, unknown> | undefined;
      await waitFor(
        () => {
          if (child.exitCode !== null && child.signalCode === null)
            throw new Error(`${node} exited: ${describe()}`);
          found = messages.slice(from).find(predicate);
          return found !== undefined;
        },
        ms,
        () => `${what}\n${describe()}`,
      );
      return found!;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin?.end();
      await Promise.race([exited, new Promise((r) => setTimeout(r, 8000))]);
    },
  };
  await running.waitFor(
    (m) => m['type'] === 'started',
    options.startMs ?? 30_000,
    `${node} to start`,
  );
  return running;
}

/** One client attempt. */
export interface Attempt {
  readonly p: 'tcp' | 'dns';
  readonly at: number;
  readonly ms: number;
  readonly ok: boolean;
  readonly server?: string;
  readonly error?: string;
}

/** A background load from the client: a new TCP connection and a DNS query every `every` ms. */
export function startLoad(
  pair: PairLab,
  every = 20,
  options: { readonly dns?: boolean; readonly timeoutMs?: number } = {},
): { results: Attempt[]; stop(): Promise<Attempt[]> } {
  const spec = {
    host: PAIR.vip,
    every,
    tcp: PORTS.rr,
    ...(options.dns !== false && { dns: PORTS.dns }),
    ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
  };
  const child = pair.lab.spawn(
    'client',
    [process.execPath, here('./lab/pair-client.mjs'), JSON.stringify(spec)],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const results: Attempt[] = [];
  jsonLines(child, results as unknown as Record<string, unknown>[]);
  return {
    results,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin?.end();
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      return results;
    },
  };
}

/** From each client source address, one connection to `port`: which server answered. */
export async function whoAnswers(
  pair: PairLab,
  port: number,
  timeoutMs = 800,
): Promise<Record<string, string>> {
  const spec = { host: PAIR.vip, timeoutMs, once: { port, sources: PAIR.clientSources } };
  const r = await pair.lab.exec('client', [
    process.execPath,
    here('./lab/pair-client.mjs'),
    JSON.stringify(spec),
  ]);
  return JSON.parse(r.stdout.trim()) as Record<string, string>;
}

/** What a failover looked like from the client. */
export interface FailoverReport {
  /**
   * ms from the failure to the first successful NEW connection started after
   * the last failed one (0 when nothing failed): when the VIP answered again.
   */
  readonly recoveredMs: number;
  /** Attempts that failed, by protocol, after the failure. */
  readonly failed: { readonly tcp: number; readonly dns: number };
  /** Failed attempts started more than `windowMs` after the failure (must be 0). */
  readonly failedAfterWindow: number;
  /** Failed attempts started before the failure (must be 0). */
  readonly failedBefore: number;
}

/** Reads `results` around a failure at `at` (epoch ms). */
export function failoverReport(
  results: readonly Attempt[],
  at: number,
  windowMs = 1000,
): FailoverReport {
  const after = results.filter((r) => r.at >= at).sort((a, b) => a.at - b.at);
  const lastFailed = after.filter((r) => !r.ok).at(-1);
  const recovered = lastFailed
    ? after.find((r) => r.p === 'tcp' && r.ok && r.at > lastFailed.at)
    : undefined;
  return {
    recoveredMs: lastFailed ? (recovered ? recovered.at - at : Number.POSITIVE_INFINITY) : 0,
    failed: {
      tcp: after.filter((r) => r.p === 'tcp' && !r.ok).length,
      dns: after.filter((r) => r.p === 'dns' && !r.ok).length,
    },
    failedAfterWindow: after.filter((r) => !r.ok && r.at > at + windowMs).length,
    failedBefore: results.filter((r) => !r.ok && r.at < at).length,
  };
}

/**
 * Failed attempts NOT started within `marginMs` of `handoverAt` (the moment
 * the other node became master): a connection in flight at that instant may
 * fail (its reply reaches the other node, which has no state for it; flow
 * sync is conntrackd's job), any other failure is a real outage.
 */
export const failuresAwayFrom = (
  results: readonly Attempt[],
  handoverAt: number,
  marginMs = 300,
): Attempt[] => results.filter((r) => !r.ok && Math.abs(r.at - handoverAt) > marginMs);

/** What the long-lived connections saw (hold-client.mjs's summary). */
export interface HoldSummary {
  readonly connections: number;
  readonly opened: number;
  /** Reset, closed or never opened. */
  readonly broken: number;
  /** Open but silent for the last 2 s. */
  readonly stalled: number;
  readonly errors: Readonly<Record<string, number>>;
  readonly servers: Readonly<Record<string, number>>;
  /** Per connection, its longest silence between two echoes (epoch ms). */
  readonly gaps: readonly { readonly from: number; readonly to: number }[];
  readonly sent: number;
  readonly echoed: number;
}

/**
 * `connections` long-lived TCP connections from the client to VIP:`port`,
 * each sending a line every `every` ms (echoed by the server); resolves once
 * they are open. `stop()` ends them and returns the summary.
 */
export function startHold(
  pair: PairLab,
  options: { readonly port: number; readonly connections: number; readonly every?: number },
): Promise<{ stop(): Promise<HoldSummary> }> {
  return startSummaryClient<HoldSummary>(pair, './lab/hold-client.mjs', {
    host: PAIR.vip,
    port: options.port,
    connections: options.connections,
    every: options.every ?? 50,
    sources: PAIR.clientSources,
  });
}

/** What the established UDP flows saw (udp-flow-client.mjs's summary). */
export interface UdpFlowSummary {
  readonly flows: number;
  /** Flows that had at least one answer. */
  readonly answered: number;
  /** Flows answered by more than one server: re-balanced, their state lost. */
  readonly moved: number;
  /** Flows without an answer in their last 2 s. */
  readonly silent: number;
  readonly servers: Readonly<Record<string, number>>;
  readonly sent: number;
  readonly replies: number;
}

/**
 * `flows` established UDP flows (one socket, one 5-tuple each) from the
 * client to VIP:53, a DNS TXT query every `every` ms on each; resolves once
 * each has had an answer. `stop()` ends them and returns the summary.
 */
export function startUdpFlows(
  pair: PairLab,
  options: { readonly flows: number; readonly every?: number },
): Promise<{ stop(): Promise<UdpFlowSummary> }> {
  return startSummaryClient<UdpFlowSummary>(pair, './lab/udp-flow-client.mjs', {
    host: PAIR.vip,
    port: PORTS.dns,
    flows: options.flows,
    every: options.every ?? 50,
    sources: PAIR.clientSources,
  });
}

/**
 * Runs a lab client script in the client namespace that prints `{type:
 * "open"}` when ready and `{type: "summary"}` when its stdin closes.
 */
async function startSummaryClient<Summary>(
  pair: PairLab,
  script: string,
  spec: Record<string, unknown>,
): Promise<{ stop(): Promise<Summary> }> {
  const child = pair.lab.spawn('client', [process.execPath, here(script), JSON.stringify(spec)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  jsonLines(child, lines);
  await waitFor(
    () => lines.some((l) => l['type'] === 'open'),
    30_000,
    () => `${script} to open: ${JSON.stringify(lines)}`,
  );
  return {
    async stop() {
      child.stdin?.end();
      await waitFor(() => lines.some((l) => l['type'] === 'summary'), 10_000, `${script} summary`);
      return lines.find((l) => l['type'] === 'summary') as unknown as Summary;
    },
  };
}
