import { existsSync } from 'node:fs';
import type { BenchTable } from '../../../scripts/bench-table.js';
import { percentile } from '../../../scripts/bench-table.js';
import { createNftablesBackend } from '../src/backend/backend.js';
import type { TrafficLab } from '../src/lab/traffic-lab.js';
import { openNftCli } from '../src/transport/nft-cli.js';
import { benchState, servicePort } from './services.js';

const VIP = '192.0.2.10';
const ADDRESSES = ['198.51.100.11', '198.51.100.12', '198.51.100.13'];
const SERVICES = 1000;
const ROUNDS = 10;
const DURATION_MS = 1000;

/** The one-linear-rule-per-service layout (the vendor's), built in one transaction. */
function linearLayout(table: string, n: number, protocol: 'tcp' | 'udp' = 'tcp'): string {
  const lines = [
    `add table ip ${table}`,
    `add chain ip ${table} prerouting { type nat hook prerouting priority dstnat ; policy accept ; }`,
  ];
  const map = ADDRESSES.map((a, i) => `${i} : ${a} . 80`).join(', ');
  for (let i = 0; i < n; i++) {
    lines.push(`add chain ip ${table} dnat_s${i}`);
    lines.push(
      `add rule ip ${table} dnat_s${i} meta l4proto ${protocol} dnat ip to numgen inc mod 3 map { ${map} }`,
    );
    lines.push(
      `add rule ip ${table} prerouting ip daddr ${VIP} ${protocol} dport ${servicePort(i)} jump dnat_s${i}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

async function rate(lab: TrafficLab, port: number): Promise<number> {
  // Fresh conntrack table each run: earlier runs' TIME_WAIT entries share the
  // DNATed tuple space (client -> server:80) and would slow later runs.
  await lab.lab.exec('lb', ['conntrack', '-F']).catch(() => undefined);
  const r = await lab.client({
    mode: 'tcp',
    host: VIP,
    port,
    durationMs: DURATION_MS,
    concurrency: 4,
  });
  if (r.failures > 0) throw new Error(`dispatch bench: ${r.failures} failures to port ${port}`);
  const done = Object.values(r.counts).reduce((a, b) => a + b, 0);
  return done / (r.elapsedMs / 1000);
}

const FLOOD_MS = 1000;
const FLOOD_ROUNDS = 5;
const COUNTER_TABLE = 'lbkn_count';

/** Packets the servers have counted so far (UDP to port 80, dropped after counting). */
async function serverPackets(lab: TrafficLab): Promise<number> {
  let total = 0;
  for (const role of lab.servers) {
    const { stdout } = await lab.lab.exec(role, ['nft', 'list', 'table', 'inet', COUNTER_TABLE]);
    total += Number(/packets (\d+)/.exec(stdout)?.[1] ?? 0);
  }
  return total;
}

/**
 * New UDP flows/s that reach the servers while `hping3 --flood` sends to
 * `port` (a fresh source port per packet, so every packet is a new flow and
 * runs the nat chains): this saturates the kernel, not the client.
 */
async function floodRate(lab: TrafficLab, port: number): Promise<number> {
  await lab.lab.exec('lb', ['conntrack', '-F']).catch(() => undefined);
  const before = await serverPackets(lab);
  const seconds = String(FLOOD_MS / 1000);
  const argv = ['timeout', seconds, 'hping3', '--udp', '--flood', '-p', String(port), '-d', '8'];
  await lab.lab.try('client', [...argv, VIP]);
  return ((await serverPackets(lab)) - before) / (FLOOD_MS / 1000);
}

/** Paired first/last rounds of `measure`, the median of the per-pair ratios. */
async function pairedRounds(
  rounds: number,
  measure: (port: number) => Promise<number>,
): Promise<{ first: number; last: number; ratio: number; spread: string }> {
  const first: number[] = [];
  const last: number[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 === 0 ? [0, SERVICES - 1] : [SERVICES - 1, 0];
    const rates = new Map<number, number>();
    for (const index of order) rates.set(index, await measure(servicePort(index)));
    const f = rates.get(0)!;
    const l = rates.get(SERVICES - 1)!;
    first.push(f);
    last.push(l);
    ratios.push(l / f);
  }
  const pct = (r: number): string => `${((r - 1) * 100).toFixed(1)}%`;
  return {
    first: percentile(first, 50),
    last: percentile(last, 50),
    ratio: percentile(ratios, 50),
    spread: `${pct(percentile(ratios, 0))} .. ${pct(percentile(ratios, 100))}`,
  };
}

/**
 * Connections/s to the first and the last service in ROUNDS adjacent pairs
 * (order alternating), and the median of the per-pair ratios last/first: each
 * pair runs back to back, so slow drifts of a shared machine cancel out.
 */
async function firstAndLast(
  lab: TrafficLab,
): Promise<{ first: number; last: number; ratio: number; spread: string }> {
  return pairedRounds(ROUNDS, (port) => rate(lab, port));
}

/**
 * New connections per second from the client namespace to the first and the
 * last of 1,000 services: lbkit's vmap dispatch vs one linear rule per service.
 * Only the first packet of a connection goes through the nat chains, so this is
 * what the dispatch layout costs.
 */
export async function dispatchTable(lab: TrafficLab): Promise<BenchTable> {
  type Rates = Awaited<ReturnType<typeof firstAndLast>>;
  const measured: Array<{ layout: string; load: string; r: Rates }> = [];
  const both = async (
    protocol: 'tcp' | 'udp',
    load: string,
    measure: () => Promise<Rates>,
  ): Promise<void> => {
    const backend = createNftablesBackend({ netns: lab.lbNs, conntrack: false })._unsafeUnwrap();
    (await backend.apply(benchState(SERVICES, VIP, ADDRESSES, protocol)))._unsafeUnwrap();
    measured.push({ layout: 'lbkit vmap dispatch', load, r: await measure() });
    (await backend.close())._unsafeUnwrap();
    const cli = openNftCli({ netns: lab.lbNs })._unsafeUnwrap();
    (await cli.run(linearLayout('lbkn_linear', SERVICES, protocol)))._unsafeUnwrap();
    measured.push({ layout: 'naive: one linear rule per service', load, r: await measure() });
    (await cli.run('delete table ip lbkn_linear\n'))._unsafeUnwrap();
    cli.close();
  };

  const flood = existsSync('/usr/sbin/hping3');
  if (flood) {
    const counter = `table inet ${COUNTER_TABLE} {\n chain in {\n  type filter hook prerouting priority -300; policy accept;\n  udp dport 80 counter drop\n }\n}\n`;
    for (const role of lab.servers) await lab.lab.exec(role, ['nft', '-f', '-'], counter);
    await both('udp', 'UDP new flows/s (hping3 flood)', () =>
      pairedRounds(FLOOD_ROUNDS, (port) => floodRate(lab, port)),
    );
    for (const role of lab.servers) {
      await lab.lab.exec(role, ['nft', 'delete', 'table', 'inet', COUNTER_TABLE]);
    }
  }
  await both('tcp', 'TCP connections/s (Node client)', () => firstAndLast(lab));

  const rows = measured.map(({ layout, load, r }) => ({
    layout,
    load,
    'first /s (median)': Math.round(r.first),
    'last /s (median)': Math.round(r.last),
    'last vs first (median of paired ratios)': `${((r.ratio - 1) * 100).toFixed(1)}%`,
    'paired ratios range': r.spread,
  }));
  return {
    title: `new flows/s to the first and the last of ${SERVICES.toLocaleString('en-US')} services (target: last within 5% of first)`,
    rows,
    note:
      (flood
        ? `UDP: hping3 --flood from the client namespace (a fresh source port per packet: every packet is a new flow through the nat chains, which saturates the kernel), ${FLOOD_MS} ms per run, ${FLOOD_ROUNDS} first/last pairs, packets counted and dropped at the servers. `
        : 'UDP flood rows skipped: hping3 is not installed (scripts/setup installs it). ') +
      `TCP: Node client, 4 connections at a time, ${DURATION_MS} ms per run, ${ROUNDS} pairs; it cannot load the kernel enough to show dispatch cost (the client and servers share 2 cores). Ratios are medians of per-pair ratios (pairs run back to back in alternating order), conntrack flushed before each run.`,
  };
}
