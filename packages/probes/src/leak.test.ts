import type { ProbeError, ProbeOk } from '@lbkit/core';
import type { Result } from 'neverthrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dnsProbe } from './dns-probe.js';
import { httpHeaderProbe } from './http-probe.js';
import { tcpProbe } from './tcp-probe.js';
import { LOOPBACK, refusedPort, startUdpBlackhole } from './test-support/peers.js';

const CHECKS = 10_000;
const CONCURRENCY = 500;

/** How many checks ended in each kind, and the first result of each kind. */
interface Tally {
  readonly counts: Record<string, number>;
  readonly first: Record<string, unknown>;
}

/** Runs `count` checks with at most `concurrency` under way; tallies the kinds seen. */
async function hammer(
  count: number,
  concurrency: number,
  check: () => PromiseLike<Result<ProbeOk, ProbeError>>,
): Promise<Tally> {
  const counts: Record<string, number> = {};
  const first: Record<string, unknown> = {};
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      const r = await check();
      const kind = r.isOk() ? 'ok' : r.error.kind;
      counts[kind] = (counts[kind] ?? 0) + 1;
      first[kind] ??= r.isOk() ? r.value : r.error;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { counts, first };
}

/** Fails unless every check ended in one of `allowed`; names the first odd result of each kind. */
function expectOnly(tally: Tally, allowed: readonly string[]): void {
  const odd = Object.keys(tally.counts).filter((kind) => !allowed.includes(kind));
  const shown = odd.map(
    (kind) => `${tally.counts[kind]} x ${kind}, first: ${JSON.stringify(tally.first[kind])}`,
  );
  expect(shown, `only ${allowed.join('/')} expected`).toEqual([]);
}

/** Counts of the handle types a probe could leak. */
const ours = (): Record<string, number> => {
  const counts: Record<string, number> = {
    TCPSocketWrap: 0,
    UDPWrap: 0,
    ConnectWrap: 0,
    Timeout: 0,
  };
  for (const r of process.getActiveResourcesInfo())
    if (r in counts) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
};

/** No more handles of any type than before (vitest's own timers come and go). */
function expectNoLeak(baseline: Record<string, number>): void {
  const now = ours();
  for (const [type, n] of Object.entries(now))
    expect(n, type).toBeLessThanOrEqual(baseline[type] ?? 0);
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

describe('no handles left behind', () => {
  let deadPort: number;
  let blackhole: Awaited<ReturnType<typeof startUdpBlackhole>>;
  let baseline: Record<string, number>;
  beforeAll(async () => {
    deadPort = await refusedPort();
    blackhole = await startUdpBlackhole();
    await settle();
    baseline = ours();
  });
  afterAll(async () => blackhole?.close());

  it(`after ${CHECKS} TCP checks against a refusing port`, async () => {
    const probe = tcpProbe();
    const started = performance.now();
    const tally = await hammer(CHECKS, CONCURRENCY, () =>
      probe.check({ address: LOOPBACK, port: deadPort }, { timeoutMs: 2000 }),
    );
    expectOnly(tally, ['refused']);
    expect(tally.counts).toEqual({ refused: CHECKS });
    expect(performance.now() - started).toBeLessThan(20_000);
    await settle();
    expectNoLeak(baseline);
  });

  it(`after ${CHECKS} DNS/UDP checks against a blackhole (timeouts) and a refusing port`, async () => {
    const probe = dnsProbe({ name: 'health.load.balance' });
    const started = performance.now();
    let i = 0;
    const tally = await hammer(CHECKS, CONCURRENCY, () =>
      probe.check(
        { address: LOOPBACK, port: i++ % 2 ? blackhole.port : deadPort },
        { timeoutMs: 30 },
      ),
    );
    // The kernel rate-limits ICMP port-unreachable, so some refused checks end as timeouts.
    expectOnly(tally, ['timeout', 'refused']);
    expect((tally.counts['timeout'] ?? 0) + (tally.counts['refused'] ?? 0)).toBe(CHECKS);
    expect(tally.counts['timeout']).toBeGreaterThanOrEqual(CHECKS / 2);
    expect(tally.counts['refused']).toBeGreaterThan(0);
    expect(performance.now() - started).toBeLessThan(20_000);
    await settle();
    expectNoLeak(baseline);
  });

  it(`after ${CHECKS} DNS/TCP and HTTP checks (both clients) against a refusing port, and aborts`, async () => {
    const dns = dnsProbe({ name: 'health.load.balance', transport: 'tcp' });
    const http = httpHeaderProbe();
    const fresh = httpHeaderProbe({ keepAlive: false });
    const ac = new AbortController();
    let i = 0;
    const tally = await hammer(CHECKS, CONCURRENCY, () => {
      const n = i++;
      if (n === CHECKS - 100) ac.abort();
      const probe = n % 2 ? dns : n % 4 ? http : fresh;
      return probe.check(
        { address: LOOPBACK, port: deadPort },
        { timeoutMs: 2000, signal: ac.signal },
      );
    });
    expectOnly(tally, ['refused', 'aborted']);
    expect((tally.counts['refused'] ?? 0) + (tally.counts['aborted'] ?? 0)).toBe(CHECKS);
    expect(tally.counts['aborted']).toBeGreaterThanOrEqual(100);
    await settle();
    expectNoLeak(baseline);
    await http.close();
  });
});
