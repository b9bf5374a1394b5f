/**
 * Benchmark of @lbkit/ha (`npm run bench -- ha`). Needs root and keepalived:
 * builds the pair lab (two balancers with lbkit + keepalived, a client, three
 * servers; documentation ranges) and removes it at the end.
 *
 * 20 master losses under load (a new TCP connection and a DNS query every
 * 20 ms): the master's links are cut at the switch, the other node takes
 * over, the links come back (nopreempt: the returning node stays backup, so
 * the next loss is the other node's). Measured per loss: VIP failover time
 * (cut -> the new master's MASTER notify line, as its lbkit reads it), the
 * client's recovery (cut -> first successful new connection after the last
 * failed one), and new connections that failed outside that window (target
 * 0). Beside it, in the same run, the same with keepalived's default advert
 * interval (1 s) as the reference.
 *
 * Flow sync: 20 master losses with 200 established connections each (an
 * echo service behind rr NAT, a line every 50 ms on each, opened anew before
 * every loss): connections lost (reset, closed or silent for 2 s), and the
 * time from the VIP move (the new master's MASTER line) to the first echo on
 * an old connection; with conntrackd and the takeover guard, and without
 * conntrackd as the reference, in the same run.
 */
import { canUseNetns } from '@lbkit/core/testing';
import { type BenchRow, type BenchTable, percentile } from '../../../scripts/bench-table.js';
import { haKernelSkip } from '../src/kernel/kernel-env.js';
import {
  type Attempt,
  failoverReport,
  type HoldSummary,
  type LabNode,
  labServices,
  PORTS,
  startHold,
  startLoad,
  startNode,
  startServers,
  waitFor,
} from '../src/kernel/pair-harness.js';
import { createPairLab, PAIR, type PairLab, type PairNode } from '../src/testing/pair-lab.js';

const LOSSES = Number(process.env['LBKIT_BENCH_HA_LOSSES'] ?? 20);
const HELD = Number(process.env['LBKIT_BENCH_HA_CONNECTIONS'] ?? 200);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Loss {
  readonly vipMs: number;
  readonly recoveredMs: number;
  readonly failedInWindow: number;
  readonly failedOutside: number;
}

/** Waits for one master holding the VIP and the other node backup; returns the master. */
async function masterOf(pair: PairLab, nodes: Record<PairNode, LabNode>): Promise<PairNode> {
  let found: PairNode | undefined;
  await waitFor(
    async () => {
      const holders = await pair.holders(PAIR.vip);
      const m = holders[0];
      found = holders.length === 1 && m && nodes[m].role() === 'master' ? m : undefined;
      const other = found === 'b1' ? 'b2' : 'b1';
      return found !== undefined && nodes[other].role() === 'backup';
    },
    30_000,
    'one master and one backup',
  );
  return found!;
}

/** Cuts the master's links; resolves when the other node reports MASTER: the cut's and the move's times. */
async function loseMaster(
  pair: PairLab,
  nodes: Record<PairNode, LabNode>,
  master: PairNode,
): Promise<{ readonly next: PairNode; readonly cutAt: number; readonly movedAt: number }> {
  const next: PairNode = master === 'b1' ? 'b2' : 'b1';
  const cutAt = Date.now();
  await pair.cut(master);
  await waitFor(() => nodes[next].roleAt('master', cutAt) !== undefined, 30_000, `${next} master`);
  return { next, cutAt, movedAt: nodes[next].roleAt('master', cutAt)! };
}

async function losses(pair: PairLab, advertInterval: number, count: number): Promise<Loss[]> {
  const ha = { advertInterval, preempt: false };
  const nodes: Record<PairNode, LabNode> = {
    b1: await startNode(pair, 'b1', { ha }),
    b2: await startNode(pair, 'b2', { ha }),
  };
  const out: Loss[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const m = await masterOf(pair, nodes);
      const load = startLoad(pair);
      await waitFor(() => load.results.length > 20, 10_000, 'the load');
      const { cutAt, movedAt } = await loseMaster(pair, nodes, m);
      await sleep(advertInterval * 3 + 1000);
      const results: Attempt[] = await load.stop();
      await pair.cut(m, false);
      const report = failoverReport(results, cutAt, advertInterval * 3 + 1000);
      const windowEnd = cutAt + report.recoveredMs;
      const failed = results.filter((r) => !r.ok);
      out.push({
        vipMs: movedAt - cutAt,
        recoveredMs: report.recoveredMs,
        failedInWindow: failed.filter((r) => r.at >= cutAt && r.at <= windowEnd).length,
        failedOutside: failed.filter((r) => r.at < cutAt || r.at > windowEnd).length,
      });
    }
  } finally {
    await Promise.all([nodes.b1.stop(), nodes.b2.stop()]);
  }
  return out;
}

function row(way: string, results: readonly Loss[]): BenchRow {
  const vip = results.map((r) => r.vipMs);
  const recovered = results.map((r) => r.recoveredMs);
  return {
    way,
    losses: results.length,
    'VIP failover median ms': percentile(vip, 50),
    'p95 ms': percentile(vip, 95),
    'max ms': vip.reduce((a, b) => Math.max(a, b), 0),
    'client back median ms': percentile(recovered, 50),
    'client back p95 ms': percentile(recovered, 95),
    'failed in window': results.reduce((n, r) => n + r.failedInWindow, 0),
    'failed outside': results.reduce((n, r) => n + r.failedOutside, 0),
  };
}

interface FlowLoss {
  readonly held: HoldSummary;
  /** Per connection not lost: ms from the VIP move to its first echo after it. */
  readonly firstByteMs: readonly number[];
}

async function flowLosses(pair: PairLab, sync: boolean, count: number): Promise<FlowLoss[]> {
  const options = {
    ha: { preempt: false },
    services: labServices(pair, {}, { echo: true }),
    ...(sync && { flowSync: {} }),
  };
  const nodes: Record<PairNode, LabNode> = {
    b1: await startNode(pair, 'b1', options),
    b2: await startNode(pair, 'b2', options),
  };
  const out: FlowLoss[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const m = await masterOf(pair, nodes);
      const hold = await startHold(pair, { port: PORTS.echo, connections: HELD, every: 50 });
      await sleep(1500); // conntrackd sends the new flows to the backup
      const { movedAt } = await loseMaster(pair, nodes, m);
      await sleep(4000);
      const held = await hold.stop();
      await pair.cut(m, false);
      const firstByteMs = held.gaps
        .filter((g) => g.from <= movedAt && g.to >= movedAt)
        .map((g) => g.to - movedAt);
      out.push({ held, firstByteMs });
    }
  } finally {
    await Promise.all([nodes.b1.stop(), nodes.b2.stop()]);
  }
  return out;
}

function flowRow(way: string, results: readonly FlowLoss[]): BenchRow {
  const first = results.flatMap((r) => r.firstByteMs);
  const lost = results.reduce((n, r) => n + r.held.broken + r.held.stalled, 0);
  const total = results.reduce((n, r) => n + r.held.connections, 0);
  const kinds: Record<string, number> = {};
  for (const r of results) {
    for (const [kind, n] of Object.entries(r.held.errors)) kinds[kind] = (kinds[kind] ?? 0) + n;
    if (r.held.stalled > 0) kinds['stalled'] = (kinds['stalled'] ?? 0) + r.held.stalled;
  }
  return {
    way,
    losses: results.length,
    connections: total,
    lost,
    'lost how':
      Object.entries(kinds)
        .map(([kind, n]) => `${kind} ${n}`)
        .join(', ') || '-',
    'first byte after the move median ms': percentile(first, 50),
    'p95 ms': percentile(first, 95),
  };
}

/** Yields the benchmark tables. */
export async function* bench(): AsyncIterable<BenchTable> {
  const skip = canUseNetns() ? haKernelSkip() : 'needs root and iproute2 (network namespaces)';
  if (skip) {
    yield { title: 'HA pair (keepalived VRRP)', rows: [], note: `skipped: ${skip}` };
    return;
  }
  const pair = await createPairLab({ prefix: 'lbkh' });
  try {
    await startServers(pair);
    const ours = await losses(pair, 100, LOSSES);
    const reference = await losses(pair, 1000, LOSSES);
    const failover = {
      title: `HA pair: ${LOSSES} master losses under load (links cut; new TCP connection + DNS query every 20 ms)`,
      rows: [
        row('lbkit pair: VRRPv3, advert_int 0.1', ours),
        row("keepalived's default advert_int 1 (reference)", reference),
      ],
      note:
        'VIP failover: cut -> the new master reports MASTER (its notify FIFO line). Client back: cut -> first ' +
        'successful new connection after the last failed one. Failed outside: new connections that failed ' +
        'outside [cut, client back] (target 0). Targets: median <= 500 ms, p95 <= 1000 ms. nopreempt, so each ' +
        'loss is of the node that took over the previous time.',
    };
    yield failover;
    const synced = await flowLosses(pair, true, LOSSES);
    const unsynced = await flowLosses(pair, false, LOSSES);
    yield {
      title: `HA pair, flow sync: ${LOSSES} master losses with ${HELD} established connections each (rr NAT, a line every 50 ms each)`,
      rows: [
        flowRow('conntrackd (FTFW, sync link) + takeover guard', synced),
        flowRow('no conntrackd (reference)', unsynced),
      ],
      note:
        'Lost: reset, closed, or silent for the last 2 s of the 4 s after the cut (target 0). First byte: the ' +
        "VIP move (the new master's MASTER line) -> the first echo on an old connection, over the connections " +
        'that kept going and whose longest silence spans the move. nopreempt: each loss is of the node that took ' +
        'over the previous time.',
    };
  } finally {
    await pair.destroy();
  }
}
