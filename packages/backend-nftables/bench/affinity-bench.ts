import { existsSync } from 'node:fs';
import type { DesiredState } from '@lbkit/core';
import type { BenchRow, BenchTable } from '../../../scripts/bench-table.js';
import { percentile } from '../../../scripts/bench-table.js';
import { createNftablesBackend } from '../src/backend/backend.js';
import type { TrafficLab } from '../src/lab/traffic-lab.js';
import { createDefaultTransport } from '../src/transport/default-transport.js';
import { ADDRESSES, benchState, ms, VIP, withFlip } from './services.js';

/** Persistence of the affinity rows (seconds). */
const PERSISTENCE_S = 300;
const FLIPS = 201;

/** `state` with persistence on every service. */
const sticky = (state: DesiredState): DesiredState => ({
  services: state.services.map((s) => ({ ...s, persistence: PERSISTENCE_S })),
});

/** Cold apply and FLIPS flips (3 -> 2 -> 3 live) of the middle service, through the default transport. */
async function flips(netns: string, state: DesiredState) {
  const transport = createDefaultTransport({ netns })._unsafeUnwrap();
  const backend = createNftablesBackend({
    transport,
    driftCheckInterval: 0,
    conntrack: false,
  })._unsafeUnwrap();
  try {
    const flipped = withFlip(state, Math.floor(state.services.length / 2), 2);
    let t = performance.now();
    const cold = (await backend.apply(state))._unsafeUnwrap();
    const coldMs = performance.now() - t;
    const samples: number[] = [];
    let operations = 0;
    for (let i = 0; i < FLIPS; i++) {
      t = performance.now();
      const report = (await backend.apply(i % 2 === 0 ? flipped : state))._unsafeUnwrap();
      samples.push(performance.now() - t);
      if (report.path !== 'netlink' || report.changedServices.length !== 1) {
        throw new Error(`affinity bench: a flip went through ${report.path}`);
      }
      operations = Math.max(operations, report.operations);
    }
    return { coldMs, coldCommands: cold.operations, samples, operations };
  } finally {
    await backend.close();
    transport.close();
  }
}

const COUNTER_TABLE = 'lbkn_affcount';
const FLOOD_MS = 1000;
const FLOOD_PAIRS = 5;

async function serverPackets(lab: TrafficLab): Promise<number> {
  let total = 0;
  for (const role of lab.servers) {
    const { stdout } = await lab.lab.exec(role, ['nft', 'list', 'table', 'inet', COUNTER_TABLE]);
    total += Number(/packets (\d+)/.exec(stdout)?.[1] ?? 0);
  }
  return total;
}

/** New UDP flows/s reaching the servers under `hping3 --flood` (every packet a new flow, one client address). */
async function floodRate(lab: TrafficLab, port: number): Promise<number> {
  await lab.lab.exec('lb', ['conntrack', '-F']).catch(() => undefined);
  const before = await serverPackets(lab);
  const argv = ['timeout', String(FLOOD_MS / 1000), 'hping3', '--udp', '--flood', '-d', '8'];
  await lab.lab.try('client', [...argv, '-p', String(port), VIP]);
  return ((await serverPackets(lab)) - before) / (FLOOD_MS / 1000);
}

/**
 * The per-packet cost: new UDP flows/s through one service of 3 destinations
 * without and with persistence, in adjacent pairs (alternating order), the
 * median of the per-pair ratios. Every flood packet is a new flow from the
 * same client, so with persistence each one takes the sticky path (a lookup
 * per destination rule met, the `update`, the dnat) instead of the
 * scheduler's (one numgen, one map lookup).
 */
async function perPacket(lab: TrafficLab) {
  const counter = `table inet ${COUNTER_TABLE} {\n chain in {\n  type filter hook prerouting priority -300; policy accept;\n  udp dport 80 counter drop\n }\n}\n`;
  for (const role of lab.servers) await lab.lab.exec(role, ['nft', '-f', '-'], counter);
  const backend = createNftablesBackend({ netns: lab.lbNs, conntrack: false })._unsafeUnwrap();
  const plain = benchState(2, VIP, ADDRESSES, 'udp');
  const both: DesiredState = {
    services: [plain.services[0]!, { ...plain.services[1]!, persistence: PERSISTENCE_S }],
  };
  const ports = both.services.map((s) => s.key.port) as [number, number];
  try {
    (await backend.apply(both))._unsafeUnwrap();
    const without: number[] = [];
    const withAffinity: number[] = [];
    const ratios: number[] = [];
    for (let i = 0; i < FLOOD_PAIRS; i++) {
      const order = i % 2 === 0 ? [0, 1] : [1, 0];
      const rates: number[] = [];
      for (const k of order) rates[k] = await floodRate(lab, ports[k as 0 | 1]);
      without.push(rates[0]!);
      withAffinity.push(rates[1]!);
      ratios.push(rates[1]! / rates[0]!);
    }
    return {
      without: percentile(without, 50),
      with: percentile(withAffinity, 50),
      ratio: percentile(ratios, 50),
      range: `${((percentile(ratios, 0) - 1) * 100).toFixed(1)}% .. ${((percentile(ratios, 100) - 1) * 100).toFixed(1)}%`,
    };
  } finally {
    await backend.close();
    for (const role of lab.servers) {
      await lab.lab.exec(role, ['nft', 'delete', 'table', 'inet', COUNTER_TABLE]);
    }
  }
}

/** Sizes of the flip rows; `LBKIT_BENCH_MAX_SERVICES` caps them (default 10,000). */
const sizes = (): number[] => {
  const max = Number(process.env.LBKIT_BENCH_MAX_SERVICES ?? 10_000);
  return [10, 1_000, 10_000].filter((n) => n <= max);
};

/**
 * Persistence on nftables: the flip and cold apply of N services x 3
 * destinations without and with persistence on every service (same run, one
 * after the other per N), and the per-new-flow cost under a UDP flood.
 */
export async function affinityTables(lab: TrafficLab): Promise<BenchTable[]> {
  const rows: BenchRow[] = [];
  for (const n of sizes()) {
    const plain = benchState(n, VIP, ADDRESSES);
    const runs = {
      without: await flips(lab.lbNs, plain),
      with: await flips(lab.lbNs, sticky(plain)),
    };
    for (const [mode, r] of Object.entries(runs)) {
      rows.push({
        services: n,
        persistence: mode === 'with' ? `${PERSISTENCE_S} s` : 'none',
        'cold apply ms': ms(r.coldMs),
        'cold commands': r.coldCommands,
        'flip median ms': ms(percentile(r.samples, 50)),
        'flip p99 ms': ms(percentile(r.samples, 99)),
        'flip commands': r.operations,
        samples: r.samples.length,
      });
    }
  }
  const tables: BenchTable[] = [
    {
      title:
        'persistence: one destination flip (3 -> 2 -> 3) of one service among N, without and with persistence on every service',
      rows,
      note:
        `Same run, same lab, default (netlink) transport; backend.apply() wall time, ${FLIPS} flips. ` +
        'With persistence a flip deletes (or adds) the destination chain and affinity set and rewrites the service chain (counter, one sticky rule per live destination, the pick), in one transaction; without, it is elements only. ' +
        'With persistence the table holds 4 sets per service (3 affinity sets and the pick map) and the cost grows faster than N: sets cost the kernel more than linearly in their number (see the README).',
    },
  ];
  if (existsSync('/usr/sbin/hping3')) {
    const p = await perPacket(lab);
    tables.push({
      title:
        'persistence: new UDP flows/s through one service of 3 destinations (the per-packet cost)',
      rows: [
        {
          'without /s (median)': Math.round(p.without),
          'with persistence /s (median)': Math.round(p.with),
          'with vs without (median of paired ratios)': `${((p.ratio - 1) * 100).toFixed(1)}%`,
          'paired ratios range': p.range,
        },
      ],
      note: `hping3 --flood from one client address (a fresh source port per packet: every packet is a new flow through the nat chains), ${FLOOD_MS} ms per run, ${FLOOD_PAIRS} pairs in alternating order, conntrack flushed before each run, packets counted and dropped at the servers. With persistence every packet after the first takes the sticky path.`,
    });
  }
  return tables;
}
