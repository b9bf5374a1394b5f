/**
 * Benchmark of @lbkit/backend-nftables (`npm run bench -- nftables`). Needs root:
 * builds its own namespaces (client, lb, 3 servers; documentation ranges) and
 * removes them at the end. Every row sits beside the naive way measured in the
 * same run. `LBKIT_BENCH_MAX_SERVICES` caps N (default 10,000).
 */

import { canUseNetns } from '@lbkit/core/testing';
import type { BenchTable } from '../../../scripts/bench-table.js';
import { createTrafficLab } from '../src/lab/traffic-lab.js';
import { affinityTables } from './affinity-bench.js';
import { applyTables } from './apply-bench.js';
import { balancerTable } from './balancer-bench.js';
import { conntrackTable } from './conntrack-bench.js';
import { dispatchTable } from './dispatch-bench.js';
import { driftTable } from './drift-bench.js';
import { eventLoopTable } from './event-loop-bench.js';
import { failoverTable } from './failover-bench.js';

/** Yields the benchmark tables one by one. */
export async function* bench(): AsyncIterable<BenchTable> {
  if (!canUseNetns()) {
    yield {
      title: 'nftables backend',
      rows: [],
      note: 'skipped: needs root and iproute2 (network namespaces)',
    };
    return;
  }
  const lab = await createTrafficLab('lbkn', 3);
  try {
    const servers = await lab.startNameServers([80]);
    for (const table of await applyTables(lab.lbNs)) yield table;
    for (const table of await affinityTables(lab)) yield table;
    yield await balancerTable(lab.lbNs);
    yield await eventLoopTable(lab.lbNs);
    yield await driftTable(lab.lbNs);
    yield await conntrackTable(lab);
    yield await dispatchTable(lab);
    yield await failoverTable(lab, servers);
  } finally {
    await lab.destroy();
  }
}
