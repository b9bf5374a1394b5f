/**
 * A UDP flip with conntrack cleanup: the destination that left the service
 * had live UDP flows, whose entries the backend deletes after the commit —
 * through ctnetlink (no process) or one `conntrack -D` process per stale
 * (service, destination) pair, measured in the same run.
 */
import type { DesiredState } from '@lbkit/core';
import { LAB } from '@lbkit/core/testing';
import type { BenchRow, BenchTable } from '../../../scripts/bench-table.js';
import { percentile } from '../../../scripts/bench-table.js';
import { createNftablesBackend } from '../src/backend/backend.js';
import type { TrafficLab } from '../src/lab/traffic-lab.js';
import type { ConntrackCleanerChoice } from '../src/transport/conntrack-cleanup.js';
import { createDefaultTransport } from '../src/transport/default-transport.js';
import { ms } from './services.js';

const SAMPLES = 15;
const FLOWS = 30;

const udpState = (servers: number): DesiredState => ({
  services: [
    {
      name: 'dns',
      key: { vip: LAB.vip, port: 80, protocol: 'udp' },
      scheduler: 'rr',
      whenEmpty: 'reject',
      persistence: 0,
      destinations: Array.from({ length: servers }, (_, i) => ({
        name: `s${i + 1}`,
        address: LAB.server(i + 1),
        port: 80,
        weight: 1,
      })),
    },
  ],
});

interface Flips {
  readonly ms: number[];
  readonly deleted: number[];
}

/** `SAMPLES` flips 3 -> 2 destinations, each after `FLOWS` fresh UDP flows through the VIP. */
async function flips(lab: TrafficLab, cleaner: ConntrackCleanerChoice | 'off'): Promise<Flips> {
  const transport = createDefaultTransport({
    netns: lab.lbNs,
    ...(cleaner === 'off' ? {} : { conntrackCleaner: cleaner }),
  })._unsafeUnwrap();
  const backend = createNftablesBackend({
    transport,
    driftCheckInterval: 0,
    conntrack: cleaner !== 'off',
  })._unsafeUnwrap();
  const out: Flips = { ms: [], deleted: [] };
  try {
    for (let i = 0; i < SAMPLES; i++) {
      await lab.lab.try('lb', ['conntrack', '-F']);
      (await backend.apply(udpState(3)))._unsafeUnwrap();
      await lab.client({ mode: 'udp', host: LAB.vip, port: 80, count: FLOWS });
      const t = performance.now();
      const report = (await backend.apply(udpState(2)))._unsafeUnwrap();
      out.ms.push(performance.now() - t);
      if (report.warnings.length > 0) throw new Error(report.warnings.join('; '));
      out.deleted.push(report.conntrackDeleted);
    }
    return out;
  } finally {
    await backend.close();
  }
}

/** The UDP flip with cleanup through ctnetlink beside the `conntrack` tool and no cleanup. */
export async function conntrackTable(lab: TrafficLab): Promise<BenchTable> {
  const rows: BenchRow[] = [];
  const runs: Array<[string, ConntrackCleanerChoice | 'off']> = [
    ['ctnetlink (default)', 'netlink'],
    ['conntrack tool (1 process per stale pair; the fallback)', 'conntrack-tool'],
    ['no cleanup (conntrack: false)', 'off'],
  ];
  for (const [label, cleaner] of runs) {
    const r = await flips(lab, cleaner);
    rows.push({
      cleanup: label,
      'flip median ms': ms(percentile(r.ms, 50)),
      'flip p99 ms': ms(percentile(r.ms, 99)),
      'entries deleted per flip (median)': percentile(r.deleted, 50),
      samples: SAMPLES,
    });
  }
  return {
    title: `UDP flip with conntrack cleanup: 3 -> 2 destinations after ${FLOWS} fresh UDP flows`,
    rows,
    note:
      'backend.apply() wall time: the netlink commit, then the deletion of the conntrack entries of the flows the removed destination answered (one (service, destination) pair per flip).\n' +
      'ctnetlink = one kernel-filtered conntrack dump of the service plus one delete per entry on a NETLINK_NETFILTER socket; conntrack tool = `ip netns exec ... conntrack -D ...` per stale pair (the spawn path, kept as the fallback).',
  };
}
