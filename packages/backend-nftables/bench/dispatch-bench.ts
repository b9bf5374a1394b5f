import type { BenchTable } from '../../../scripts/bench-table.js';
import { percentile } from '../../../scripts/bench-table.js';
import { createNftablesBackend } from '../src/backend.js';
import type { TrafficLab } from '../src/kernel/traffic-lab.js';
import { createNftCliTransport } from '../src/transport/nft-cli.js';
import { benchState, servicePort } from './services.js';

const VIP = '192.0.2.10';
const ADDRESSES = ['198.51.100.11', '198.51.100.12', '198.51.100.13'];
const SERVICES = 1000;
const ROUNDS = 10;
const DURATION_MS = 1000;

/** The one-linear-rule-per-service layout (the vendor's), built in one transaction. */
function linearLayout(table: string, n: number): string {
  const lines = [
    `add table ip ${table}`,
    `add chain ip ${table} prerouting { type nat hook prerouting priority dstnat ; policy accept ; }`,
  ];
  const map = ADDRESSES.map((a, i) => `${i} : ${a} . 80`).join(', ');
  for (let i = 0; i < n; i++) {
    lines.push(`add chain ip ${table} dnat_s${i}`);
    lines.push(
      `add rule ip ${table} dnat_s${i} meta l4proto tcp dnat ip to numgen inc mod 3 map { ${map} }`,
    );
    lines.push(
      `add rule ip ${table} prerouting ip daddr ${VIP} tcp dport ${servicePort(i)} jump dnat_s${i}`,
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

/**
 * Connections/s to the first and the last service in ROUNDS adjacent pairs
 * (order alternating), and the median of the per-pair ratios last/first: each
 * pair runs back to back, so slow drifts of a shared machine cancel out.
 */
async function firstAndLast(
  lab: TrafficLab,
): Promise<{ first: number; last: number; ratio: number; spread: string }> {
  const first: number[] = [];
  const last: number[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    let f: number;
    let l: number;
    if (i % 2 === 0) {
      f = await rate(lab, servicePort(0));
      l = await rate(lab, servicePort(SERVICES - 1));
    } else {
      l = await rate(lab, servicePort(SERVICES - 1));
      f = await rate(lab, servicePort(0));
    }
    first.push(f);
    last.push(l);
    ratios.push(l / f);
  }
  const pct = (r: number): string => `${((r - 1) * 100).toFixed(1)}%`;
  return {
    first: percentile(first, 50),
    last: percentile(last, 50),
    ratio: percentile(ratios, 50),
    spread: `${pct(Math.min(...ratios))} .. ${pct(Math.max(...ratios))}`,
  };
}

/**
 * New connections per second from the client namespace to the first and the
 * last of 1,000 services: lbkit's vmap dispatch vs one linear rule per service.
 * Only the first packet of a connection goes through the nat chains, so this is
 * what the dispatch layout costs.
 */
export async function dispatchTable(lab: TrafficLab): Promise<BenchTable> {
  const backend = createNftablesBackend({ netns: lab.lbNs, conntrack: false })._unsafeUnwrap();
  (await backend.apply(benchState(SERVICES, VIP, ADDRESSES)))._unsafeUnwrap();
  const ours = await firstAndLast(lab);
  (await backend.close())._unsafeUnwrap();

  const cli = createNftCliTransport({ netns: lab.lbNs })._unsafeUnwrap();
  (await cli.run(linearLayout('lbkn_linear', SERVICES)))._unsafeUnwrap();
  const linear = await firstAndLast(lab);
  (await cli.run('delete table ip lbkn_linear\n'))._unsafeUnwrap();
  cli.close();

  const row = (layout: string, r: Awaited<ReturnType<typeof firstAndLast>>) => ({
    layout,
    'first conn/s (median)': Math.round(r.first),
    'last conn/s (median)': Math.round(r.last),
    'last vs first (median of paired ratios)': `${((r.ratio - 1) * 100).toFixed(1)}%`,
    'paired ratios range': r.spread,
  });
  return {
    title: `connections/s to the first and the last of ${SERVICES.toLocaleString('en-US')} services (target: last within 5% of first)`,
    rows: [row('lbkit vmap dispatch', ours), row('naive: one linear rule per service', linear)],
    note: `Node client in the client namespace, 4 connections at a time, ${DURATION_MS} ms per run, ${ROUNDS} back-to-back first/last pairs in alternating order (the ratio is the median of the per-pair ratios), conntrack flushed before each run; the client and servers share 2 cores with the kernel, so the absolute rate is the client's limit.`,
  };
}
