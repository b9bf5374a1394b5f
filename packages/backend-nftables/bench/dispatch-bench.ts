import type { BenchTable } from '../../../scripts/bench-table.js';
import { percentile } from '../../../scripts/bench-table.js';
import { createNftablesBackend } from '../src/backend.js';
import type { TrafficLab } from '../src/kernel/traffic-lab.js';
import { createNftCliTransport } from '../src/transport/nft-cli.js';
import { benchState, servicePort } from './services.js';

const VIP = '192.0.2.10';
const ADDRESSES = ['198.51.100.11', '198.51.100.12', '198.51.100.13'];
const SERVICES = 1000;
const ROUNDS = 6;
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

/** Median connections/s to the first and the last service, rounds interleaved. */
async function firstAndLast(lab: TrafficLab): Promise<{ first: number; last: number }> {
  const first: number[] = [];
  const last: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    if (i % 2 === 0) {
      first.push(await rate(lab, servicePort(0)));
      last.push(await rate(lab, servicePort(SERVICES - 1)));
    } else {
      last.push(await rate(lab, servicePort(SERVICES - 1)));
      first.push(await rate(lab, servicePort(0)));
    }
  }
  return { first: percentile(first, 50), last: percentile(last, 50) };
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

  const row = (layout: string, r: { first: number; last: number }) => ({
    layout,
    'first conn/s': Math.round(r.first),
    'last conn/s': Math.round(r.last),
    'last vs first': `${(((r.last - r.first) / r.first) * 100).toFixed(1)}%`,
  });
  return {
    title: `connections/s to the first and the last of ${SERVICES.toLocaleString('en-US')} services (target: last within 5% of first)`,
    rows: [row('lbkit vmap dispatch', ours), row('naive: one linear rule per service', linear)],
    note: `Node client in the client namespace, 4 connections at a time, ${DURATION_MS} ms per run, median of ${ROUNDS} runs in alternating order, conntrack flushed before each; the client and servers share 2 cores with the kernel, so the absolute rate is the client's limit.`,
  };
}
