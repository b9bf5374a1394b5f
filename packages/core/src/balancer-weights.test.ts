import { errAsync, okAsync } from 'neverthrow';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createBalancer } from './balancer.js';
import { DEFAULT_HEALTH, type Service } from './model.js';
import type { AgentReport, ProbeFactory } from './probe.js';
import { createFakeBackend } from './testing/fake-backend.js';

/** Slow start and agent weights end to end through the balancer (fake backend, fake timers). */
const health = { ...DEFAULT_HEALTH, interval: 100, fastInterval: 100, downInterval: 100 };
const web: Service = {
  name: 'web',
  key: { vip: '192.0.2.10', port: 80, protocol: 'tcp' },
  scheduler: 'wrr',
  destinations: [
    { name: 'a', address: '198.51.100.1', port: 80, weight: 1 },
    { name: 'b', address: '198.51.100.2', port: 80, weight: 1 },
  ],
  probe: { kind: 'agent' },
  health: { ...health, jitter: 0, rise: 1, fall: 1 },
  whenEmpty: 'reject',
  downAction: 'remove',
  persistence: 0,
};

/** Answers per address: a report (up) or 'down'. */
const agents = () => {
  const answers = new Map<string, AgentReport | 'down'>();
  const factory: ProbeFactory = () => ({
    description: 'fake agent',
    check: (target) => {
      const a = answers.get(target.address) ?? {};
      return a === 'down'
        ? errAsync({ kind: 'mismatch', message: 'agent says down', latencyMs: 1 })
        : okAsync({ latencyMs: 1, agent: a });
    },
  });
  return { answers, factory };
};

const weights = (backend: ReturnType<typeof createFakeBackend>) =>
  Object.fromEntries(
    [...backend.kernel.services.values()][0]!.destinations.map((d) => [d.name, d.weight]),
  );

describe('balancer: dynamic weights', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  const run = async (service: Service) => {
    const { answers, factory } = agents();
    const backend = createFakeBackend();
    const balancer = createBalancer({ services: [service], backend, probes: factory });
    (await balancer.start())._unsafeUnwrap();
    const tick = async (ms: number) => {
      await vi.advanceTimersByTimeAsync(ms);
      await balancer.settled();
    };
    await tick(10);
    return { answers, backend, balancer, tick };
  };

  it('agent percent, drain and maint reach the desired weights', async () => {
    const { answers, backend, balancer, tick } = await run(web);
    expect(weights(backend)).toEqual({ a: 1, b: 1 });
    answers.set('198.51.100.2', { percent: 25 });
    await tick(100);
    expect(weights(backend)).toEqual({ a: 100, b: 25 });
    answers.set('198.51.100.2', { admin: 'drain' });
    await tick(100);
    expect(weights(backend)).toEqual({ a: 100, b: 0 });
    expect(balancer.status()[0]!.destinations[1]!.serving).toBe(false);
    answers.set('198.51.100.2', { admin: 'maint' });
    await tick(100);
    expect(weights(backend)).toEqual({ a: 1 });
    answers.set('198.51.100.2', { admin: 'ready', percent: 100 });
    await tick(100);
    expect(weights(backend)).toEqual({ a: 1, b: 1 });
    await balancer.stop();
  });

  it('slow start: a recovered destination ramps 20..100% over 1 s; down again cancels it', async () => {
    const { answers, backend, balancer, tick } = await run({ ...web, slowStart: 1000 });
    expect(weights(backend)).toEqual({ a: 1, b: 1 });
    answers.set('198.51.100.2', 'down');
    await tick(100);
    expect(weights(backend)).toEqual({ a: 1 });
    answers.delete('198.51.100.2');
    await tick(100);
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) {
      seen.push(weights(backend)['b']!);
      await tick(250);
    }
    expect(seen).toEqual([20, 40, 60, 80, 1]);
    expect(weights(backend)).toEqual({ a: 1, b: 1 });
    answers.set('198.51.100.2', 'down');
    await tick(100);
    answers.delete('198.51.100.2');
    await tick(100);
    expect(weights(backend)['b']).toBe(20);
    answers.set('198.51.100.2', 'down');
    await tick(100);
    expect(weights(backend)).toEqual({ a: 1 });
    await tick(2000);
    expect(weights(backend)).toEqual({ a: 1 });
    await balancer.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('slow start: disable then enable ramps; updating the service ends the ramp', async () => {
    const { backend, balancer, tick } = await run({ ...web, slowStart: 1000 });
    balancer.disable('web', 'b')._unsafeUnwrap();
    await tick(0);
    balancer.enable('web', 'b')._unsafeUnwrap();
    await tick(0);
    expect(weights(backend)['b']).toBe(20);
    balancer.updateService({ ...web, slowStart: 2000 })._unsafeUnwrap();
    await tick(0);
    expect(weights(backend)).toEqual({ a: 1, b: 1 });
    await balancer.stop();
    expect(vi.getTimerCount()).toBe(0);
  });
});
