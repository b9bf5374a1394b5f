/**
 * Probe throughput against loopback peers (nginx, dnsmasq) at concurrency 1, 64
 * and 512, each beside the naive way measured in the same run, plus the
 * "100 dead among 1,000" scenario. Run: `npm run bench -- probes`.
 */

import { Resolver } from 'node:dns/promises';
import { request as httpRequest } from 'node:http';
import { Socket } from 'node:net';
import type { Probe, ProbeTarget } from '@lbkit/core';
import { type BenchRow, type BenchTable, percentile } from '../../../scripts/bench-table.js';
import { dnsProbe, httpHeaderProbe, tcpProbe } from '../src/index.js';
import {
  DNSMASQ,
  hasBinary,
  LOOPBACK,
  NGINX,
  type Peer,
  startDnsmasq,
  startNginx,
  startUdpBlackhole,
} from '../src/test-support/peers.js';
import { scaleTable } from './scale.js';

const CONCURRENCIES = [1, 64, 512] as const;
/** Each round runs this long (or until MAX_CHECKS). */
const RUN_MS = 500;
/** Rounds per way, ours and the naive one alternating; the median round is reported. */
const ROUNDS = 3;
/** Both ways run this long first, unmeasured (JIT, server caches), so order does not favour either. */
const WARMUP_MS = 300;
const MAX_CHECKS = 60_000;
const TIMEOUT_MS = 1000;

type CheckFn = () => Promise<boolean>;

interface Measured {
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly failed: number;
}

/** Runs `check` with `concurrency` workers for RUN_MS; latency per check in ms. */
async function measure(check: CheckFn, concurrency: number, runMs = RUN_MS): Promise<Measured> {
  const latencies: number[] = [];
  let failed = 0;
  let started = 0;
  const t0 = performance.now();
  const deadline = t0 + runMs;
  const worker = async () => {
    while (performance.now() < deadline && started < MAX_CHECKS) {
      started++;
      const t = performance.now();
      if (!(await check())) failed++;
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - t0) / 1000;
  return {
    perSecond: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    failed,
  };
}

const viaProbe =
  (probe: Probe, target: ProbeTarget): CheckFn =>
  async () =>
    (await probe.check(target, { timeoutMs: TIMEOUT_MS })).isOk();

/** The vendor's way (nft_lb.py): a plain connect with a 1 s timeout, then close. */
const naiveTcp =
  (target: ProbeTarget): CheckFn =>
  () =>
    new Promise((resolve) => {
      const s = new Socket();
      s.setTimeout(TIMEOUT_MS, () => {
        s.destroy();
        resolve(false);
      });
      s.once('connect', () => {
        s.end();
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
      s.connect(target.port, target.address);
    });

/** node:dns (c-ares) pointed at the server: the obvious Node way to ask a TXT record. */
function naiveDns(target: ProbeTarget): CheckFn {
  const resolver = new Resolver({ timeout: TIMEOUT_MS, tries: 1 });
  resolver.setServers([`${target.address}:${target.port}`]);
  return async () => {
    try {
      const records = await resolver.resolveTxt('health.load.balance');
      return records.length > 0;
    } catch {
      return false;
    }
  };
}

/** node:http with a new connection per check (agent: false), body drained. */
const naiveHttp =
  (target: ProbeTarget): CheckFn =>
  () =>
    new Promise((resolve) => {
      const req = httpRequest(
        { host: target.address, port: target.port, path: '/', agent: false, timeout: TIMEOUT_MS },
        (res) => {
          const ok = (res.statusCode ?? 0) < 400 && res.headers['x-trace'] !== undefined;
          res.resume();
          res.once('end', () => resolve(ok));
          res.once('error', () => resolve(false));
        },
      );
      req.once('timeout', () => req.destroy());
      req.once('error', () => resolve(false));
      req.end();
    });

const ms = (v: number) => Number(v.toFixed(2));

/** The round with the median rate. */
function median(rounds: readonly Measured[]): Measured {
  const sorted = [...rounds].sort((a, b) => a.perSecond - b.perSecond);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * Ours and the naive way at `concurrency`, after a warm-up of both, in
 * alternating rounds (ours, naive, ours, ...): load from other jobs on the
 * machine hits both alike. Returns the median round of each.
 */
async function compare(
  ours: CheckFn,
  naive: CheckFn,
  concurrency: number,
  naiveConcurrency: number,
): Promise<{ ours: Measured; naive: Measured }> {
  await measure(ours, concurrency, WARMUP_MS);
  await measure(naive, naiveConcurrency, WARMUP_MS);
  const a: Measured[] = [];
  const n: Measured[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    a.push(await measure(ours, concurrency));
    n.push(await measure(naive, naiveConcurrency));
  }
  return { ours: median(a), naive: median(n) };
}

/** Failed checks at high concurrency are the server's limit (dnsmasq drops), said under the table. */
function failedNote(rows: readonly BenchRow[]): string | undefined {
  const failing = rows.filter((r) => Number(r['failed']) > 0).map((r) => r['concurrency']);
  return failing.length === 0
    ? undefined
    : `Failed checks at concurrency ${failing.join(', ')} are timeouts: the single-process server on the same 2 cores drops or does not accept in time. `;
}

async function throughputTable(
  title: string,
  ours: CheckFn,
  naive: CheckFn,
  naiveLabel: string,
  naiveConcurrency: 'same' | 'serial',
): Promise<BenchTable> {
  const rows: BenchRow[] = [];
  let serial: Measured | undefined;
  for (const c of CONCURRENCIES) {
    const pair = await compare(ours, naive, c, naiveConcurrency === 'serial' ? 1 : c);
    const a = pair.ours;
    // The serial naive way is the same at every row: its concurrency-1 figure (measured beside ours at 1).
    if (naiveConcurrency === 'serial') serial ??= pair.naive;
    const n = serial ?? pair.naive;
    rows.push({
      concurrency: c,
      'lbkit checks/s': Math.round(a.perSecond),
      'p50 ms': ms(a.p50),
      'p99 ms': ms(a.p99),
      failed: a.failed,
      [`${naiveLabel} checks/s`]: Math.round(n.perSecond),
      'naive p50 ms': ms(n.p50),
      'naive p99 ms': ms(n.p99),
      'naive failed': n.failed,
    });
  }
  return {
    title,
    rows,
    note:
      (failedNote(rows) ?? '') +
      `Each figure: the median of ${ROUNDS} rounds of ${RUN_MS} ms, ours and the naive way alternating after a ${WARMUP_MS} ms warm-up of both. ` +
      (naiveConcurrency === 'serial'
        ? `Naive: ${naiveLabel}, one check after the other (concurrency 1 on every row), as the vendor script does.`
        : `Naive: ${naiveLabel} at the same concurrency.`),
  };
}

/**
 * 1,000 DNS targets of which 100 never answer (UDP blackhole), timeout 1 s: time
 * until every one of the 900 healthy targets has a verdict. lbkit: concurrency 256
 * over a shuffled list. Vendor: serial; run for real on a 1/10 sample and scaled.
 */
async function deadAmongHealthy(dnsPort: number): Promise<BenchTable> {
  const blackhole = await startUdpBlackhole();
  try {
    const build = (n: number, dead: number): ProbeTarget[] => {
      const list = Array.from({ length: n }, (_, i) => ({
        address: LOOPBACK,
        port: i < dead ? blackhole.port : dnsPort,
      }));
      // Deterministic shuffle (LCG) so dead targets are spread through the list.
      let seed = 42;
      for (let i = list.length - 1; i > 0; i--) {
        seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
        const j = seed % (i + 1);
        [list[i], list[j]] = [list[j]!, list[i]!];
      }
      return list;
    };
    const probe = dnsProbe({ name: 'health.load.balance' });
    const healthyDone = async (targets: ProbeTarget[], concurrency: number) => {
      const healthy = targets.filter((t) => t.port === dnsPort).length;
      let verdicts = 0;
      let next = 0;
      let healthyAt = Number.NaN;
      const t0 = performance.now();
      const worker = async () => {
        while (next < targets.length) {
          const target = targets[next++]!;
          const result = await probe.check(target, { timeoutMs: TIMEOUT_MS });
          if (target.port === dnsPort && result.isOk() && ++verdicts === healthy) {
            healthyAt = performance.now() - t0;
          }
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      return { healthyAt, all: performance.now() - t0, verdicts, healthy };
    };
    const ours = await healthyDone(build(1000, 100), 256);
    const serialSample = await healthyDone(build(100, 10), 1);
    return {
      title: 'probes: 900 healthy + 100 blackholed DNS targets, timeout 1 s',
      rows: [
        {
          way: 'lbkit, concurrency 256',
          targets: 1000,
          'healthy verdicts': `${ours.verdicts}/${ours.healthy}`,
          'all healthy judged ms': Math.round(ours.healthyAt),
          'whole round ms': Math.round(ours.all),
        },
        {
          way: 'serial (vendor), measured on 100 (10 dead)',
          targets: 100,
          'healthy verdicts': `${serialSample.verdicts}/${serialSample.healthy}`,
          'all healthy judged ms': Math.round(serialSample.healthyAt),
          'whole round ms': Math.round(serialSample.all),
        },
        {
          way: 'serial (vendor), scaled to 1,000 (x10)',
          targets: 1000,
          'healthy verdicts': '-',
          'all healthy judged ms': Math.round(serialSample.healthyAt * 10),
          'whole round ms': Math.round(serialSample.all * 10),
        },
      ],
      note: 'Serially every dead target costs its full timeout before anyone behind it is checked.',
    };
  } finally {
    await blackhole.close();
  }
}

/** The probes benchmark: one table per probe kind, the dead-targets scenario, then the scale row. */
export async function* bench(): AsyncIterable<BenchTable> {
  if (!hasBinary(NGINX) || !hasBinary(DNSMASQ)) {
    throw new Error(`needs ${NGINX} and ${DNSMASQ} (Debian nginx-light, dnsmasq-base)`);
  }
  const peers: Peer[] = [];
  try {
    const web = await startNginx('web-1');
    peers.push(web);
    const ns = await startDnsmasq({ txt: { 'health.load.balance': '=nameserver-1=' } });
    peers.push(ns);
    const webTarget = { address: LOOPBACK, port: web.port };
    const nsTarget = { address: LOOPBACK, port: ns.port };

    yield await throughputTable(
      'probes: TCP connect against nginx (loopback)',
      viaProbe(tcpProbe(), webTarget),
      naiveTcp(webTarget),
      'net.connect serial',
      'serial',
    );
    yield await throughputTable(
      'probes: DNS TXT over UDP against dnsmasq (loopback)',
      viaProbe(dnsProbe({ name: 'health.load.balance', expect: '=nameserver-1=' }), nsTarget),
      naiveDns(nsTarget),
      'node:dns resolveTxt serial',
      'serial',
    );
    yield await throughputTable(
      'probes: DNS TXT over TCP against dnsmasq (loopback; dnsmasq forks a child per TCP connection, at most 20)',
      viaProbe(dnsProbe({ name: 'health.load.balance', transport: 'tcp' }), nsTarget),
      // node:dns has no TCP mode: the naive way is the same query, one after the other.
      viaProbe(dnsProbe({ name: 'health.load.balance', transport: 'tcp' }), nsTarget),
      'same query serial',
      'serial',
    );
    const http = httpHeaderProbe({ header: { name: 'X-Trace' } });
    yield await throughputTable(
      'probes: HTTP GET + X-Trace header against nginx (loopback)',
      viaProbe(http, webTarget),
      naiveHttp(webTarget),
      'node:http new connection',
      'same',
    );
    const httpNoKa = httpHeaderProbe({ header: { name: 'X-Trace' }, keepAlive: false });
    yield await throughputTable(
      'probes: HTTP with keepAlive: false (a new connection per check through node:http, like the naive way)',
      viaProbe(httpNoKa, webTarget),
      naiveHttp(webTarget),
      'node:http new connection',
      'same',
    );
    await http.close();
    await httpNoKa.close();
    yield await deadAmongHealthy(ns.port);
  } finally {
    for (const peer of peers) await peer.stop();
  }
  // The scale row (its own lab and nginx): LBKIT_SCALE_SECONDS shortens it.
  const seconds = Number(process.env['LBKIT_SCALE_SECONDS'] ?? 60);
  yield await scaleTable({ durationS: Number.isFinite(seconds) && seconds > 0 ? seconds : 60 });
}
