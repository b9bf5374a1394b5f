import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errAsync, okAsync } from 'neverthrow';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Backend, type BackendError, backendError, type DriftReport } from '../backend.js';
import { createBalancer } from '../balancer.js';
import type { Balancer, BalancerEvents } from '../balancer-types.js';
import type { ObservedState } from '../desired.js';
import { TypedEmitter } from '../events.js';
import { DEFAULT_HEALTH, type Service } from '../model.js';
import type { Probe, ProbeFactory } from '../probe.js';
import { createFakeBackend } from '../testing/fake-backend.js';
import { type ParsedFamily, parseExposition } from '../testing/parse-exposition.js';
import { createBalancerMetrics } from './balancer-metrics.js';
import { escapeLabelValue } from './exposition.js';

const health = {
  ...DEFAULT_HEALTH,
  interval: 1000,
  fastInterval: 100,
  downInterval: 1000,
  jitter: 0,
};
const web: Service = {
  name: 'web',
  key: { vip: '192.0.2.10', port: 80, protocol: 'tcp' },
  scheduler: 'rr',
  destinations: [
    { name: 'a', address: '198.51.100.1', port: 80, weight: 1 },
    { name: 'b', address: '198.51.100.2', port: 8080, weight: 3 },
  ],
  probe: { kind: 'tcp' },
  health,
  whenEmpty: 'reject',
  downAction: 'remove',
  persistence: 0,
};

/** Hostile peer text: it must never reach the exposition. */
const HOSTILE = 'x"} 1\nlbkit_ready 0\n# TYPE evil counter';

/** Probes answering per address: latency in ms (negative = failure), with hostile identities. */
function latencyProbes(latency: Map<string, number>): ProbeFactory {
  const probe: Probe = {
    description: 'scripted latency',
    check(target) {
      const ms = latency.get(target.address) ?? 1;
      return ms >= 0
        ? okAsync({ latencyMs: ms, identity: HOSTILE })
        : errAsync({ kind: 'refused', message: HOSTILE, latencyMs: -ms });
    },
  };
  return () => probe;
}

const value = (
  families: Map<string, ParsedFamily>,
  family: string,
  labels: Record<string, string>,
  name = family,
): number | undefined =>
  families
    .get(family)
    ?.samples.find(
      (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
    )?.value;

describe('createBalancerMetrics', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  const setup = (backend: Backend = createFakeBackend()) => {
    const latency = new Map([
      ['198.51.100.1', 3],
      ['198.51.100.2', 40],
    ]);
    const balancer = createBalancer({ services: [web], backend, probes: latencyProbes(latency) });
    return { latency, balancer };
  };

  it('renders valid exposition text: every family typed and contiguous, states, checks, applies', async () => {
    const { latency, balancer } = setup();
    const metrics = createBalancerMetrics(balancer);
    await balancer.start();
    await vi.advanceTimersByTimeAsync(10);
    await balancer.settled();
    latency.set('198.51.100.2', -7);
    await vi.advanceTimersByTimeAsync(2500);
    await balancer.settled();
    balancer.drain('web', 'a');
    await vi.advanceTimersByTimeAsync(10);
    await balancer.settled();
    const text = await metrics.render();
    const families = parseExposition(text);
    const a = { service: 'web', destination: 'a' };
    const b = { service: 'web', destination: 'b' };
    expect(
      value(families, 'lbkit_destination_info', { ...b, address: '198.51.100.2', port: '8080' }),
    ).toBe(1);
    expect(value(families, 'lbkit_destination_health', { ...a, state: 'up' })).toBe(1);
    expect(value(families, 'lbkit_destination_health', { ...b, state: 'down' })).toBe(1);
    expect(value(families, 'lbkit_destination_health', { ...b, state: 'up' })).toBe(0);
    expect(value(families, 'lbkit_destination_admin', { ...a, state: 'drained' })).toBe(1);
    expect(value(families, 'lbkit_destination_admin', { ...b, state: 'enabled' })).toBe(1);
    expect(value(families, 'lbkit_destination_serving', a)).toBe(0);
    expect(value(families, 'lbkit_destination_weight', b)).toBe(3);
    expect(value(families, 'lbkit_service_empty', { service: 'web' })).toBe(1);
    const okA = value(families, 'lbkit_destination_checks_total', { ...a, result: 'ok' })!;
    const failedB = value(families, 'lbkit_destination_checks_total', { ...b, result: 'failed' })!;
    expect(okA).toBeGreaterThanOrEqual(3);
    expect(failedB).toBeGreaterThanOrEqual(2);
    expect(value(families, 'lbkit_destination_checks_total', { ...a, result: 'failed' })).toBe(0);
    expect(value(families, 'lbkit_destination_last_check_duration_seconds', a)).toBe(0.003);
    // Every check is in the service's histogram: a's 3 ms in le=0.005, b's 40 ms in
    // le=0.05, b's failures (wall time, 0 under fake timers) in the first bucket.
    const count = value(
      families,
      'lbkit_check_duration_seconds',
      { service: 'web' },
      'lbkit_check_duration_seconds_count',
    )!;
    const allChecks =
      okA + failedB + value(families, 'lbkit_destination_checks_total', { ...b, result: 'ok' })!;
    expect(count).toBe(allChecks);
    const bucket = (le: string) =>
      value(
        families,
        'lbkit_check_duration_seconds',
        { service: 'web', le },
        'lbkit_check_duration_seconds_bucket',
      );
    expect(bucket('0.0005')).toBe(failedB);
    expect(bucket('0.0025')).toBe(failedB);
    expect(bucket('0.005')).toBe(okA + failedB);
    expect(bucket('0.025')).toBe(okA + failedB);
    expect(bucket('0.05')).toBe(count);
    expect(bucket('+Inf')).toBe(count);
    expect(count).toBeGreaterThan(okA + failedB);
    expect(value(families, 'lbkit_applies_total', { result: 'changed' })).toBeGreaterThanOrEqual(3);
    expect(
      value(families, 'lbkit_apply_duration_seconds', {}, 'lbkit_apply_duration_seconds_count'),
    ).toBe(value(families, 'lbkit_applies_total', { result: 'changed' }));
    expect(value(families, 'lbkit_ready', {})).toBe(1);
    // Peer text (identity, error message) never gets in.
    expect(text).not.toContain('evil');
    expect(text).not.toContain('x"');
    for (const [name, family] of families) expect(family.help, name).not.toBe('');
    metrics.close();
    await balancer.stop();
  });

  it('keeps counters monotonic across scrapes and drops the series of a removed service', async () => {
    const { balancer } = setup();
    const metrics = createBalancerMetrics(balancer);
    await balancer.start();
    const seen: number[] = [];
    for (let i = 0; i < 4; i++) {
      await vi.advanceTimersByTimeAsync(1000);
      const families = parseExposition(await metrics.render());
      seen.push(
        value(families, 'lbkit_destination_checks_total', {
          service: 'web',
          destination: 'a',
          result: 'ok',
        })!,
      );
    }
    expect(seen).toEqual([...seen].sort((x, y) => x - y));
    expect(seen[3]).toBeGreaterThan(seen[0]!);
    balancer.reload([{ ...web, name: 'other' }]);
    await vi.advanceTimersByTimeAsync(10);
    const families = parseExposition(await metrics.render());
    expect(
      value(families, 'lbkit_destination_checks_total', {
        service: 'web',
        destination: 'a',
        result: 'ok',
      }),
    ).toBeUndefined();
    expect(
      value(families, 'lbkit_destination_checks_total', {
        service: 'other',
        destination: 'a',
        result: 'ok',
      }),
    ).toBe(0);
    metrics.close();
    await balancer.stop();
  });

  it('counts drift checks by result and repairs', async () => {
    const fake = createFakeBackend();
    const script: Array<DriftReport | 'fail'> = [
      { found: [], repaired: false, method: 'generation', durationMs: 0 },
      { found: ['table inet lbkit is missing'], repaired: true, method: 'read', durationMs: 3 },
      'fail',
      'fail',
    ];
    let n = 0;
    const backend: Backend = {
      ...fake,
      driftCheckIntervalMs: 1000,
      checkDrift: () => {
        const next = script[n++] ?? script[0]!;
        return next === 'fail' ? errAsync(backendError('unavailable', 'EPERM')) : okAsync(next);
      },
    };
    const { balancer } = setup(backend);
    const metrics = createBalancerMetrics(balancer);
    await balancer.start();
    await vi.advanceTimersByTimeAsync(5500);
    const families = parseExposition(await metrics.render());
    expect(value(families, 'lbkit_drift_checks_total', { result: 'clean' })).toBe(2);
    expect(value(families, 'lbkit_drift_checks_total', { result: 'drift' })).toBe(1);
    // Both failures count, although the drift event reports the same error once.
    expect(value(families, 'lbkit_drift_checks_total', { result: 'failed' })).toBe(2);
    expect(value(families, 'lbkit_drift_repairs_total', {})).toBe(1);
    metrics.close();
    await balancer.stop();
  });

  it('adds the kernel read, flows and extra sources when given; a failing one is left out', async () => {
    const backend = createFakeBackend();
    const { balancer } = setup(backend);
    let kernelFails = false;
    let flowsThrow = false;
    const metrics = createBalancerMetrics(balancer, {
      kernel: () =>
        kernelFails
          ? errAsync(backendError('unavailable', 'gone'))
          : okAsync<ObservedState, BackendError>({
              services: [
                {
                  key: web.key,
                  destinations: [{ address: '198.51.100.1', port: 80, weight: 1, packets: 42 }],
                },
              ],
            }),
      flows: async () => {
        if (flowsThrow) throw new Error('conntrack unavailable');
        return new Map([['web', new Map([['a', 5]])]]);
      },
      sources: [() => 'lbkit_ha_x_total 1\n', () => Promise.reject(new Error('down'))],
    });
    await balancer.start();
    let text = await metrics.render();
    expect(() => parseExposition(text.replace('lbkit_ha_x_total 1\n', ''))).not.toThrow();
    let families = parseExposition(text.replace('lbkit_ha_x_total 1\n', ''));
    expect(text).toContain('\nlbkit_ha_x_total 1\n');
    expect(value(families, 'lbkit_kernel_read_ok', {})).toBe(1);
    expect(value(families, 'lbkit_destination_kernel_serving', { destination: 'a' })).toBe(1);
    expect(value(families, 'lbkit_destination_kernel_serving', { destination: 'b' })).toBe(0);
    expect(value(families, 'lbkit_destination_packets_total', { destination: 'a' })).toBe(42);
    expect(
      value(families, 'lbkit_destination_packets_total', { destination: 'b' }),
    ).toBeUndefined();
    expect(value(families, 'lbkit_destination_flows', { destination: 'a' })).toBe(5);
    expect(value(families, 'lbkit_metrics_source_failures_total', {})).toBe(1);
    kernelFails = true;
    flowsThrow = true;
    text = await metrics.render();
    families = parseExposition(text.replace('lbkit_ha_x_total 1\n', ''));
    expect(value(families, 'lbkit_kernel_read_ok', {})).toBe(0);
    expect(families.has('lbkit_destination_kernel_serving')).toBe(false);
    expect(families.has('lbkit_destination_flows')).toBe(false);
    expect(value(families, 'lbkit_metrics_source_failures_total', {})).toBe(2);
    metrics.close();
    await balancer.stop();
  });

  it('can keep one histogram per destination', async () => {
    const { balancer } = setup();
    const metrics = createBalancerMetrics(balancer, {
      latencyByDestination: true,
      buckets: [0.01, 0.1],
    });
    await balancer.start();
    await vi.advanceTimersByTimeAsync(10);
    const families = parseExposition(await metrics.render());
    const bucket = (destination: string, le: string) =>
      value(
        families,
        'lbkit_check_duration_seconds',
        { service: 'web', destination, le },
        'lbkit_check_duration_seconds_bucket',
      );
    expect([bucket('a', '0.01'), bucket('a', '0.1'), bucket('a', '+Inf')]).toEqual([1, 1, 1]);
    expect([bucket('b', '0.01'), bucket('b', '0.1'), bucket('b', '+Inf')]).toEqual([0, 1, 1]);
    expect(() => createBalancerMetrics(balancer, { buckets: [1, 0.5] })).toThrow(TypeError);
    metrics.close();
    await balancer.stop();
  });

  it('costs O(1) per check event (90,000 in < 0.5 s CPU); a scrape of 30,000 destinations yields to the event loop', async () => {
    vi.useRealTimers();
    const services: Service[] = Array.from({ length: 10_000 }, (_, i) => ({
      ...web,
      name: `s${i}`,
      key: { ...web.key, port: 1 + i },
      destinations: [0, 1, 2].map((j) => ({
        name: `d${j}`,
        address: '198.51.100.1',
        port: 1000 + j,
        weight: 1,
      })),
    }));
    const real = createBalancer({
      services,
      backend: createFakeBackend(),
      probes: latencyProbes(new Map()),
    });
    // The real balancer's status, with events the test emits itself: 90,000 checks.
    const events = new TypedEmitter<BalancerEvents>();
    const balancer: Balancer = { ...real, on: (event, listener) => events.on(event, listener) };
    const metrics = createBalancerMetrics(balancer);
    const result = { ok: true, at: 0, latencyMs: 2 };
    const started = process.cpuUsage();
    for (let round = 0; round < 3; round++) {
      for (const s of services) {
        for (const d of s.destinations)
          events.emit('check', { service: s.name, destination: d.name, result });
      }
    }
    const events90k = process.cpuUsage(started);
    const rendering = process.cpuUsage();
    // The scrape yields to the event loop: no gap between timer ticks near its whole length.
    let last = performance.now();
    let maxGap = 0;
    const ticker = setInterval(() => {
      maxGap = Math.max(maxGap, performance.now() - last);
      last = performance.now();
    }, 1);
    const wallStart = performance.now();
    const text = await metrics.render();
    const wall = performance.now() - wallStart;
    clearInterval(ticker);
    const scrape = process.cpuUsage(rendering);
    const ms = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
    console.log(
      `90,000 check events: ${ms(events90k)} ms CPU; one scrape of 30,000 destinations: ${ms(scrape)} ms CPU, ${wall.toFixed(0)} ms wall, longest stall ${maxGap.toFixed(0)} ms, ${text.length} chars`,
    );
    expect(ms(events90k)).toBeLessThan(500);
    expect(ms(scrape)).toBeLessThan(2000);
    expect(maxGap).toBeLessThan(wall / 3);
    expect(text).toContain(
      'lbkit_destination_checks_total{service="s9999",destination="d2",result="ok"} 3',
    );
    expect(text).toContain('lbkit_check_duration_seconds_count{service="s9999"} 9');
    metrics.close();
  });

  it('serves through a node:http handler (GET text, POST 405)', async () => {
    vi.useRealTimers();
    const { balancer } = setup();
    const metrics = createBalancerMetrics(balancer);
    const server = createServer(metrics.handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
    const got = await fetch(url);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(parseExposition(await got.text()).has('lbkit_destination_health')).toBe(true);
    expect((await fetch(url, { method: 'POST' })).status).toBe(405);
    await new Promise((resolve) => server.close(resolve));
    metrics.close();
  });
});

describe('escapeLabelValue and the strict parser', () => {
  it('escapes backslash, quote and newline so the value reads back the same', () => {
    const hostile = 'a\\b"c\nd';
    const text = `# HELP m x\n# TYPE m gauge\nm{l="${escapeLabelValue(hostile)}"} 1\n`;
    expect(parseExposition(text).get('m')?.samples[0]?.labels['l']).toBe(hostile);
  });

  it('rejects what a scraper would reject', () => {
    const bad = [
      'm 1\n',
      '# HELP m x\n# TYPE m counter\nm 1\n',
      '# HELP m_total x\n# TYPE m_total counter\nm_total{l="a\\x"} 1\n',
      '# HELP a x\n# TYPE a gauge\na 1\n# HELP b x\n# TYPE b gauge\nb 1\na{x="1"} 1\n',
      '# HELP a x\n# TYPE a gauge\na 1\na 2\n',
      '# HELP h x\n# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n',
      '# HELP h x\n# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 3\n',
      '# HELP m x\n# TYPE m gauge\nm 1',
    ];
    for (const text of bad) expect(() => parseExposition(text), text).toThrow();
  });
});
