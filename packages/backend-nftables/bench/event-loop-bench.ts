/**
 * How late a timer fires while the backend applies: netlink writes are
 * synchronous FFI calls, and render + encode run on the same thread, so a
 * probe timer due during a cold apply waits for it.
 */
import type { BenchRow, BenchTable } from '../../../scripts/bench-table.js';
import { percentile } from '../../../scripts/bench-table.js';
import { createNftablesBackend } from '../src/backend/backend.js';
import { sizes } from './apply-bench.js';
import { ADDRESSES, benchState, ms, VIP } from './services.js';

/** The timer's period: a probe due every 10 ms. */
const PERIOD_MS = 10;

/** Lateness of each tick of a `PERIOD_MS` timer while `work` runs (and 100 ms after). */
async function lateness(work: () => Promise<unknown>): Promise<{ late: number[]; workMs: number }> {
  const late: number[] = [];
  let due = performance.now() + PERIOD_MS;
  let stop = false;
  const tick = (): void => {
    const now = performance.now();
    late.push(Math.max(0, now - due));
    due = now + PERIOD_MS;
    if (!stop) setTimeout(tick, PERIOD_MS);
  };
  setTimeout(tick, PERIOD_MS);
  await new Promise((r) => setTimeout(r, 50));
  const t = performance.now();
  await work();
  const workMs = performance.now() - t;
  await new Promise((r) => setTimeout(r, 100));
  stop = true;
  return { late, workMs };
}

/** Timer lateness during a cold apply of N services x 3, beside the same timer idle. */
export async function eventLoopTable(netns: string): Promise<BenchTable> {
  const rows: BenchRow[] = [];
  const idle = await lateness(() => new Promise((r) => setTimeout(r, 1000)));
  rows.push({
    during: 'idle (1 s)',
    'apply ms': '-',
    'timer lateness p99 ms': ms(percentile(idle.late, 99)),
    'max ms': ms(percentile(idle.late, 100)),
    ticks: idle.late.length,
  });
  for (const n of sizes().filter((s) => s >= 1_000)) {
    const backend = createNftablesBackend({
      netns,
      driftCheckInterval: 0,
      conntrack: false,
    })._unsafeUnwrap();
    const state = benchState(n, VIP, ADDRESSES);
    try {
      const r = await lateness(async () => (await backend.apply(state))._unsafeUnwrap());
      rows.push({
        during: `cold apply, ${n.toLocaleString('en-US')} services x 3`,
        'apply ms': ms(r.workMs),
        'timer lateness p99 ms': ms(percentile(r.late, 99)),
        'max ms': ms(percentile(r.late, 100)),
        ticks: r.late.length,
      });
    } finally {
      await backend.close();
    }
  }
  return {
    title: `event loop: lateness of a ${PERIOD_MS} ms timer (a probe's) during a cold apply (target: <= 100 ms)`,
    rows,
    note: 'The timer re-arms itself every 10 ms; lateness = how long after its due time it ran. The apply (render, encode, one netlink batch through synchronous FFI, kernel commit) runs on the same thread.',
  };
}
