/**
 * The event log's cost per health event, in process (fake backend, scripted
 * probes answering at once, so only the balancer and the log run): the first
 * verdicts of N services x 3 with today's log (an index of the configured
 * destinations) beside the old one, which called `balancer.status()` (a view
 * of every service) for each event.
 */
import { type Balancer, createBalancer, DEFAULT_HEALTH, type Service } from '@lbkit/core';
import { createFakeBackend, createScriptedProbes } from '@lbkit/core/testing';
import type { BenchRow, BenchTable } from '../../scripts/bench-table.js';
import { attachEventLog } from '../src/common/event-log.js';
import { scaleServices } from '../src/test-support/scale-services.js';

const services = (n: number): Service[] => scaleServices(n, 3, { ...DEFAULT_HEALTH, jitter: 0 });

/** The log as it was: the destination's address looked up in `status()` per event. */
function naiveEventLog(balancer: Balancer, info: (line: string) => void): void {
  balancer.on('health', (e) => {
    const view = balancer.status().find((s) => s.service.name === e.service);
    const dest = view?.destinations.find((d) => d.name === e.destination);
    info(
      `service ${e.service}: destination ${e.destination} (${dest?.address}:${dest?.port}) ${e.from} -> ${e.to}: ${e.reason}`,
    );
  });
}

/** CPU ms from start to the first verdicts of every destination. */
async function firstVerdictsMs(n: number, naive: boolean): Promise<number> {
  const balancer = createBalancer({
    services: services(n),
    backend: createFakeBackend(),
    probes: createScriptedProbes().factory,
    random: () => 0,
  });
  let lines = 0;
  const info = () => {
    lines++;
  };
  if (naive) naiveEventLog(balancer, info);
  else attachEventLog(balancer, { info, warn: info });
  const before = process.cpuUsage();
  await balancer.start();
  await balancer.whenReady();
  const used = process.cpuUsage(before);
  await balancer.stop();
  // Both logs wrote the line of every first verdict (and the old one nothing else).
  if (lines < 3 * n) throw new Error(`event log wrote ${lines} lines for ${3 * n} verdicts`);
  return (used.user + used.system) / 1000;
}

/** The table: indexed at 1,000 / 2,000 / 10,000 x 3, the old way at 1,000 / 2,000 x 3. */
export async function eventLogTable(): Promise<BenchTable> {
  const rows: BenchRow[] = [];
  await firstVerdictsMs(100, false); // warm up
  for (const n of [1000, 2000, 10_000]) {
    const indexed = await firstVerdictsMs(n, false);
    const naive = n <= 2000 ? await firstVerdictsMs(n, true) : undefined;
    rows.push({
      services: `${n.toLocaleString('en-US')} x 3`,
      'event log ms (index)': indexed,
      'µs / event (index)': (indexed * 1000) / (3 * n),
      'old: status() per event ms': naive ?? 'not run (minutes)',
      'µs / event (old)': naive === undefined ? '-' : (naive * 1000) / (3 * n),
    });
  }
  return {
    title: 'event log: CPU to the first verdicts, in process (fake backend, probes answer at once)',
    rows,
    note: 'The old log viewed every service per event: its µs / event grows with N (quadratic start-up); the index keeps it flat.',
  };
}
