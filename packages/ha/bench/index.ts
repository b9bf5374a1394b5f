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
 */
import { canUseNetns } from '@lbkit/core/testing';
import { type BenchRow, type BenchTable, percentile } from '../../../scripts/bench-table.js';
import { haKernelSkip } from '../src/kernel/kernel-env.js';
import {
  type Attempt,
  failoverReport,
  type LabNode,
  startLoad,
  startNode,
  startServers,
  waitFor,
} from '../src/kernel/pair-harness.js';
import { createPairLab, PAIR, type PairLab, type PairNode } from '../src/testing/pair-lab.js';

const LOSSES = Number(process.env['LBKIT_BENCH_HA_LOSSES'] ?? 20);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Loss {
  readonly vipMs: number;
  readonly recoveredMs: number;
  readonly failedInWindow: number;
  readonly failedOutside: number;
}

async function losses(pair: PairLab, advertInterval: number, count: number): Promise<Loss[]> {
  const ha = { advertInterval, preempt: false };
  const nodes: Record<PairNode, LabNode> = {
    b1: await startNode(pair, 'b1', { ha }),
    b2: await startNode(pair, 'b2', { ha }),
  };
  const out: Loss[] = [];
  try {
    const master = async (): Promise<PairNode> => {
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
    };
    for (let i = 0; i < count; i++) {
      const m = await master();
      const next: PairNode = m === 'b1' ? 'b2' : 'b1';
      const load = startLoad(pair);
      await waitFor(() => load.results.length > 20, 10_000, 'the load');
      const cutAt = Date.now();
      await pair.cut(m);
      await waitFor(
        () => nodes[next].roleAt('master', cutAt) !== undefined,
        30_000,
        `${next} master`,
      );
      await sleep(advertInterval * 3 + 1000);
      const results: Attempt[] = await load.stop();
      await pair.cut(m, false);
      const report = failoverReport(results, cutAt, advertInterval * 3 + 1000);
      const windowEnd = cutAt + report.recoveredMs;
      const failed = results.filter((r) => !r.ok);
      out.push({
        vipMs: nodes[next].roleAt('master', cutAt)! - cutAt,
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

/** Yields the benchmark table. */
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
    yield {
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
  } finally {
    await pair.destroy();
  }
}
