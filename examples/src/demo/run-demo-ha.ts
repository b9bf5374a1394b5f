/**
 * `npm run demo -- --ha`: a balancer pair. Two balancer nodes (lbkit +
 * keepalived, VRRPv3 adverts every 100 ms) share the VIP; a client asks it
 * who answers over TCP, DNS TXT and HTTP. Then the master node is lost (its
 * namespace deleted, everything in it killed): the other node takes the VIP,
 * the client keeps being answered, and its established connections (an echo
 * service, a line every 100 ms each) survive: conntrackd on the sync link
 * gave b2 b1's NAT flows. Prints what happened as plain lines and a
 * summary: the VIP failover time, the new connections that failed and the
 * established connections broken. Every
 * namespace and process is removed at the end, also on error or abort.
 */
import type { ChildProcess } from 'node:child_process';
import { createPairLab, PAIR, type PairLab, type PairNode } from '@lbkit/ha/testing';
import { onLines, waitFor } from '../common/lines.js';
import { programArgv } from '../programs.js';
import type { TraceResult } from '../trace/trace.js';
import { parseTraceLine } from '../trace/trace-line.js';
import { type AgentMessage, parseAgentLine } from './messages.js';
import { DEMO_PORTS } from './services.js';

/** What to run. */
export interface HaDemoOptions {
  /** Total length in seconds (at least 8). Default 16. */
  readonly durationS?: number;
  /** Probe interval in ms. Default 150. */
  readonly intervalMs?: number;
  /** Namespace prefix (the PID is appended). Default `lbkd`. */
  readonly prefix?: string;
  /** Aborts early (Ctrl-C); cleanup still runs. */
  readonly signal?: AbortSignal;
}

/** What the HA demo measured. */
export interface HaDemoSummary {
  readonly lost: PairNode;
  readonly survivor: PairNode;
  /** ms from the loss until the survivor reported MASTER. */
  readonly vipFailoverMs: number;
  /** ms from the loss until every protocol answered again (first success after its last failure). */
  readonly clientBackMs: number;
  readonly requests: Readonly<Record<string, { ok: number; failed: number }>>;
  /** Failed requests started between the loss and `clientBackMs`. */
  readonly failedInFailover: number;
  /** Failed requests at any other time (expected 0). */
  readonly failedOutside: number;
  /** The long-lived connections held across the loss (expected: none broken or stalled). */
  readonly established: {
    readonly connections: number;
    readonly broken: number;
    readonly stalled: number;
  };
}

/** Long-lived connections the demo holds through the VIP. */
const HELD_CONNECTIONS = 20;

/** Runs the HA demo, writing progress lines to `out`; resolves with the measurements. */
export async function runHaDemo(
  options: HaDemoOptions,
  out: (line: string) => void,
): Promise<HaDemoSummary> {
  const durationMs = Math.max(8, options.durationS ?? 16) * 1000;
  const interval = options.intervalMs ?? 150;
  const t0 = Date.now();
  const say = (line: string, at = Date.now()) =>
    out(`${`+${((at - t0) / 1000).toFixed(1)}s`.padStart(7)}  ${line}`);
  const checkAbort = () => {
    if (options.signal?.aborted) throw new Error('aborted');
  };
  const pause = async (ms: number) => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      checkAbort();
      await new Promise((r) => setTimeout(r, Math.min(50, end - Date.now())));
    }
  };
  say('building the lab: a client, two balancers b1/b2, three servers, two bridges');
  const pair: PairLab = await createPairLab({ prefix: options.prefix ?? 'lbkd' });
  const agents = new Map<PairNode, ChildProcess>();
  const roles = new Map<PairNode, AgentMessage[]>();
  let client: ChildProcess | undefined;
  let hold: ChildProcess | undefined;
  try {
    for (const role of pair.servers) {
      const child = pair.lab.spawn(role, [
        ...programArgv('name-server'),
        '--name',
        role,
        '--echo-port',
        String(DEMO_PORTS.echo),
      ]);
      let ready = false;
      onLines(child.stdout, (line) => {
        if (line === `ready ${role}`) ready = true;
      });
      await waitFor(() => ready || child.exitCode !== null, 15_000, `name server ${role}`);
      if (!ready) throw new Error(`name server ${role} exited`);
    }
    for (const node of ['b1', 'b2'] as const) {
      // conntrackd on the sync link (eth2): established NAT flows survive the loss.
      const ha = pair.haInput(node, { conntrackd: pair.conntrackdInput(node) });
      const agent = pair.lab.spawn(
        node,
        [
          ...programArgv('demo-agent'),
          '--vip',
          PAIR.vip,
          '--interval',
          String(interval),
          ...pair.servers.flatMap((s, i) => ['--server', `${s}=${PAIR.server(i + 1)}`]),
          '--ha',
          JSON.stringify(ha),
          '--echo',
        ],
        { stdio: ['pipe', 'pipe', 'pipe'] },
      );
      agents.set(node, agent);
      roles.set(node, []);
      onLines(agent.stdout, (line) => {
        const m = parseAgentLine(line);
        if (m?.type === 'role') {
          roles.get(node)?.push(m);
          say(`${node}: VRRP ${m.previous} -> ${m.role}  (${m.reason})`, m.at);
        } else if (m?.type === 'ha') say(`${node}: ${m.message}`, m.at);
        else if (m?.type === 'problem' && m.fatal) say(`${node}: ${m.message}`, m.at);
      });
    }
    say(`lbkit + keepalived on both balancers; VIP ${PAIR.vip}, inner VIP ${PAIR.innerVip}`);
    const role = (node: PairNode): string | undefined => {
      const last = roles.get(node)?.at(-1);
      return last?.type === 'role' ? last.role : undefined;
    };
    await waitFor(
      () => {
        checkAbort();
        return role('b1') === 'master' && role('b2') === 'backup';
      },
      60_000,
      'b1 master and b2 backup',
    );

    say('the client asks the VIP who answers, every 50 ms: TCP line, DNS TXT, HTTP X-Trace');
    const answers: TraceResult[] = [];
    client = pair.lab.spawn(
      'client',
      [
        ...programArgv('trace-client'),
        '--host',
        PAIR.vip,
        '--target',
        `tcp:${DEMO_PORTS.line}`,
        '--target',
        `dns:${DEMO_PORTS.dns}`,
        '--target',
        `http:${DEMO_PORTS.http}`,
        '--every',
        '50',
        '--timeout',
        '400',
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    onLines(client.stdout, (line) => {
      const r = parseTraceLine(line);
      if (r) answers.push(r);
    });
    say(
      `and holds ${HELD_CONNECTIONS} established connections to the echo service (a line every 100 ms each)`,
    );
    hold = pair.lab.spawn(
      'client',
      [
        ...programArgv('trace-client'),
        '--host',
        PAIR.vip,
        '--hold',
        String(HELD_CONNECTIONS),
        '--hold-port',
        String(DEMO_PORTS.echo),
        '--every',
        '100',
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    const holdLines: string[] = [];
    onLines(hold.stdout, (line) => holdLines.push(line));
    await waitFor(
      () => holdLines.length > 0 || hold?.exitCode !== null,
      20_000,
      'the held connections',
    );
    await pause(Math.round(durationMs * 0.3));

    const lostAt = Date.now();
    say(
      'b1, the master, is lost: its namespace deleted, lbkit and keepalived in it killed (-9)',
      lostAt,
    );
    await pair.crash('b1', [agents.get('b1')!]);
    await waitFor(
      () => {
        checkAbort();
        return roles
          .get('b2')!
          .some((m) => m.type === 'role' && m.role === 'master' && m.at >= lostAt);
      },
      10_000,
      'b2 to become master',
    );
    const masterAt = roles
      .get('b2')!
      .find((m) => m.type === 'role' && m.role === 'master' && m.at >= lostAt)!.at;
    await pause(Math.max(2000, durationMs - (Date.now() - t0)));

    client.stdin?.end();
    hold.stdin?.end();
    await waitFor(
      () => holdLines.length > 1 || hold?.exitCode !== null,
      10_000,
      'the held connections summary',
    );
    const held = JSON.parse(holdLines[1] ?? '{}') as Partial<HaDemoSummary['established']>;
    const established = {
      connections: held.connections ?? 0,
      broken: held.broken ?? HELD_CONNECTIONS,
      stalled: held.stalled ?? 0,
    };
    say(
      `established connections: ${established.connections} held across the loss, ${established.broken} broken, ${established.stalled} stalled`,
    );
    await new Promise((r) => setTimeout(r, 600));
    const after = answers.filter((r) => r.at >= lostAt);
    const back = ['tcp', 'dns', 'http']
      .map((p) => {
        const mine = after.filter((r) => r.protocol === p).sort((a, b) => a.at - b.at);
        const lastFailed = mine.filter((r) => !r.ok).at(-1);
        if (!lastFailed) return 0;
        const next = mine.find((r) => r.ok && r.at > lastFailed.at);
        return next ? next.at - lostAt : Number.POSITIVE_INFINITY;
      })
      .reduce((a, b) => Math.max(a, b), 0);
    const requests: Record<string, { ok: number; failed: number }> = {};
    for (const r of answers) {
      const t = requests[r.protocol] ?? { ok: 0, failed: 0 };
      requests[r.protocol] = t;
      if (r.ok) t.ok++;
      else t.failed++;
    }
    const inWindow = (r: TraceResult) => r.at >= lostAt && r.at <= lostAt + back;
    return {
      lost: 'b1',
      survivor: 'b2',
      vipFailoverMs: masterAt - lostAt,
      clientBackMs: back,
      requests,
      failedInFailover: answers.filter((r) => !r.ok && inWindow(r)).length,
      failedOutside: answers.filter((r) => !r.ok && !inWindow(r)).length,
      established,
    };
  } finally {
    client?.stdin?.end();
    hold?.stdin?.end();
    for (const agent of agents.values()) agent.stdin?.end();
    await new Promise((r) => setTimeout(r, 300));
    await pair.destroy();
    say('every namespace and process removed');
  }
}

/** The HA demo's closing summary. */
export function formatHaSummary(s: HaDemoSummary): string {
  const requests = Object.entries(s.requests)
    .map(([protocol, t]) => `${protocol} ${t.ok} ok / ${t.failed} failed`)
    .join(', ');
  return [
    'SUMMARY (balancer pair)',
    `  failover  ${s.lost} lost -> ${s.survivor} MASTER with the VIP in ${s.vipFailoverMs} ms; every protocol answered again after ${s.clientBackMs} ms`,
    `  client    ${requests}`,
    `            new connections failed during the failover: ${s.failedInFailover}; at any other time: ${s.failedOutside}`,
    `  flows     established connections held across the loss: ${s.established.connections}, broken: ${s.established.broken}, stalled: ${s.established.stalled} (conntrackd flow sync)`,
  ].join('\n');
}
