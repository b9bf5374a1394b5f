/**
 * How late a timer fires while the backend applies: netlink writes are
 * synchronous FFI calls, and render + encode run on the same thread, so a
 * probe timer due during a cold apply waits for it.
 */

import type { DriftReport } from '@lbkit/core';
import type { BenchRow, BenchTable } from '../../../scripts/bench-table.js';
import { percentile } from '../../../scripts/bench-table.js';
import { createNftablesBackend } from '../src/backend/backend.js';
import { openNftCli } from '../src/transport/nft-cli.js';
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

/** One row: what ran, how long, and the timer's lateness meanwhile. */
const row = (during: string, r: { late: number[]; workMs: number } | undefined): BenchRow => ({
  during,
  'work ms': r && r.workMs > 0 ? ms(r.workMs) : '-',
  'timer lateness p99 ms': r ? ms(percentile(r.late, 99)) : '-',
  'max ms': r ? ms(percentile(r.late, 100)) : '-',
  ticks: r ? r.late.length : 0,
});

/**
 * Timer lateness, beside the same timer idle, during the long operations of
 * a balancer of N services x 3: the cold apply, the drift check that reads
 * the whole table back (after someone else committed) and the one that
 * rewrites a deleted table.
 */
export async function eventLoopTable(netns: string): Promise<BenchTable> {
  const rows: BenchRow[] = [];
  rows.push(row('idle (1 s)', await lateness(() => new Promise((r) => setTimeout(r, 1000)))));
  const cli = openNftCli({ netns })._unsafeUnwrap();
  try {
    for (const n of sizes().filter((s) => s >= 1_000)) {
      const backend = createNftablesBackend({
        netns,
        driftCheckInterval: 0,
        conntrack: false,
      })._unsafeUnwrap();
      const state = benchState(n, VIP, ADDRESSES);
      const size = `${n.toLocaleString('en-US')} services x 3`;
      try {
        const check = async (expect: (r: DriftReport) => boolean) => {
          const report = (await backend.checkDrift())._unsafeUnwrap();
          if (!expect(report)) throw new Error(`unexpected drift check: ${JSON.stringify(report)}`);
        };
        rows.push(
          row(
            `cold apply, ${size}`,
            await lateness(async () => (await backend.apply(state))._unsafeUnwrap()),
          ),
        );
        (
          await cli.run('add table inet lbkn_other\ndelete table inet lbkn_other\n')
        )._unsafeUnwrap();
        rows.push(
          row(
            `drift check after a foreign commit (read back, compared), ${size}`,
            await lateness(() => check((r) => r.method === 'read' && r.found.length === 0)),
          ),
        );
        (await cli.run('delete table inet lbkit\n'))._unsafeUnwrap();
        rows.push(
          row(
            `drift check of a deleted table (rewritten), ${size}`,
            await lateness(() => check((r) => r.repaired)),
          ),
        );
      } finally {
        await backend.close();
      }
    }
  } finally {
    cli.close();
  }
  return {
    title: `event loop: lateness of a ${PERIOD_MS} ms timer (a probe's) during the long operations (target: <= 100 ms)`,
    rows,
    note: "The timer re-arms itself every 10 ms; lateness = how long after its due time it ran. Render, encode and the comparison run on the same thread in slices of at most 8 ms, the event loop running in between; a batch of 256 KiB or more is sent (the kernel commits inside the send) from one of koffi's worker threads.",
  };
}
