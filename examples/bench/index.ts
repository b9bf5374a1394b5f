/**
 * Benchmark of the examples (`npm run bench -- examples`): nft-lb's start-up
 * at 1,000 and 10,000 services x 3 (real daemon, table and probes in a
 * namespace of its own; needs root), and the event log's cost per event
 * beside the old O(n) lookup. `LBKIT_BENCH_MAX_SERVICES` caps N (default 10,000).
 */
import { canUseNetns } from '@lbkit/core/testing';
import type { BenchTable } from '../../scripts/bench-table.js';
import { eventLogTable } from './event-log-bench.js';
import { startupTable } from './startup-bench.js';

/** Yields the benchmark tables one by one. */
export async function* bench(): AsyncIterable<BenchTable> {
  yield await eventLogTable();
  if (!canUseNetns()) {
    yield {
      title: 'nft-lb start-up',
      rows: [],
      note: 'skipped: needs root and iproute2 (network namespaces)',
    };
    return;
  }
  const max = Number(process.env['LBKIT_BENCH_MAX_SERVICES'] ?? 10_000);
  yield await startupTable([0, 1000, 10_000].filter((n) => n <= max));
}
