/** `drain(…, { until })`: removal once idle or out of time, cancelled by enable/stop/removal. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createBalancer } from './balancer.js';
import type { BalancerEvents } from './balancer-types.js';
import { DEFAULT_HEALTH, type Service } from './model.js';
import { createFakeBackend } from './testing/fake-backend.js';
import { createScriptedProbes } from './testing/scripted-probe.js';

const web: Service = {
  name: 'web',
  key: { vip: '192.0.2.10', port: 80, protocol: 'tcp' },
  scheduler: 'rr',
  destinations: [
    { name: 'a', address: '198.51.100.1', port: 80, weight: 1 },
    { name: 'b', address: '198.51.100.2', port: 80, weight: 1 },
  ],
  probe: { kind: 'none' },
  health: { ...DEFAULT_HEALTH, jitter: 0, initial: 'up' },
  whenEmpty: 'reject',
  downAction: 'remove',
  persistence: 0,
};
const A = { service: web.key, address: '198.51.100.1', port: 80 };

/** The destinations of `web` in the fake kernel, with their weights. */
const kernelOf = (backend: ReturnType<typeof createFakeBackend>) =>
  [...backend.kernel.services.values()][0]?.destinations.map((d) => `${d.name}:${d.weight}`);

/** No flow count happens any more (the watch's timers are gone). */
async function pollsStopped(backend: ReturnType<typeof createFakeBackend>) {
  const counts = backend.flowCounts;
  await vi.advanceTimersByTimeAsync(120_000);
  expect(backend.flowCounts).toBe(counts);
}

async function setup(countsFlows = true) {
  const backend = createFakeBackend({ countsFlows });
  const balancer = createBalancer({
    services: [web],
    backend,
    probes: createScriptedProbes().factory,
  });
  const events: string[] = [];
  const record =
    <K extends keyof BalancerEvents & string>(name: K, show: (e: BalancerEvents[K]) => string) =>
    () =>
      balancer.on(name, (e) => events.push(`${name} ${show(e)}`));
  record('drainStarted', (e) => `${e.destination} ${e.deadlineMs ?? '-'}`)();
  record('drainProgress', (e) => `${e.destination} ${e.flows ?? e.error?.kind}`)();
  record('drained', (e) => `${e.destination} ${e.reason} ${e.flows ?? '-'} ${e.elapsedMs}`)();
  record('drainCancelled', (e) => `${e.destination} ${e.reason}`)();
  await balancer.start();
  await balancer.settled();
  return { backend, balancer, events };
}

describe('drain until idle or a deadline', () => {
  // setImmediate stays real: the reconciler coalesces on it.
  beforeEach(() =>
    vi.useFakeTimers({
      now: 0,
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
    }),
  );
  afterEach(() => vi.useRealTimers());

  it('removes the destination when its flows reach 0, not before', async () => {
    const { backend, balancer, events } = await setup();
    backend.setFlows(A, 3);
    expect(balancer.drain('web', 'a', { until: 'idle' }).isOk()).toBe(true);
    await balancer.settled();
    expect(kernelOf(backend)).toEqual(['a:0', 'b:1']); // no new flows at once
    await vi.advanceTimersByTimeAsync(5000);
    expect(kernelOf(backend)).toEqual(['a:0', 'b:1']);
    backend.setFlows(A, 1);
    await vi.advanceTimersByTimeAsync(1000);
    backend.setFlows(A, 0);
    await vi.advanceTimersByTimeAsync(1000);
    await balancer.settled();
    expect(kernelOf(backend)).toEqual(['b:1']);
    expect(balancer.status()[0]!.destinations[0]!.admin).toBe('disabled');
    expect(events).toEqual([
      'drainStarted a -',
      'drainProgress a 3',
      'drainProgress a 1',
      'drainProgress a 0',
      'drained a idle 0 7000',
    ]);
    await pollsStopped(backend);
    await balancer.stop();
  });

  it('removes at the deadline with flows left, and says how many', async () => {
    const { backend, balancer, events } = await setup();
    backend.setFlows(A, 2);
    balancer.drain('web', 'a', { until: 'idle', deadline: 2500, pollInterval: 500 });
    await vi.advanceTimersByTimeAsync(2499);
    expect(kernelOf(backend)).toEqual(['a:0', 'b:1']);
    await vi.advanceTimersByTimeAsync(1);
    await balancer.settled();
    expect(kernelOf(backend)).toEqual(['b:1']);
    expect(events).toEqual([
      'drainStarted a 2500',
      'drainProgress a 2',
      'drained a deadline 2 2500',
    ]);
    await pollsStopped(backend);
    await balancer.stop();
  });

  it('a numeric until is idle-or-deadline, whichever first', async () => {
    const { backend, balancer, events } = await setup();
    balancer.drain('web', 'a', { until: 60_000 });
    await vi.advanceTimersByTimeAsync(1000);
    await balancer.settled();
    expect(kernelOf(backend)).toEqual(['b:1']);
    expect(events.at(-1)).toBe('drained a idle 0 1000');
    await pollsStopped(backend);
    await balancer.stop();
  });

  it('enable cancels the pending removal; a plain drain or disable too', async () => {
    const { backend, balancer, events } = await setup();
    backend.setFlows(A, 1);
    balancer.drain('web', 'a', { until: 3000 });
    await vi.advanceTimersByTimeAsync(1500);
    balancer.enable('web', 'a');
    await vi.advanceTimersByTimeAsync(5000);
    await balancer.settled();
    expect(kernelOf(backend)).toEqual(['a:1', 'b:1']);
    balancer.drain('web', 'a', { until: 3000 });
    balancer.drain('web', 'a');
    balancer.drain('web', 'a', { until: 3000 });
    balancer.disable('web', 'a');
    await vi.advanceTimersByTimeAsync(5000);
    expect(events.filter((e) => !e.startsWith('drainProgress'))).toEqual([
      'drainStarted a 3000',
      'drainCancelled a enabled',
      'drainStarted a 3000',
      'drainCancelled a redrained',
      'drainStarted a 3000',
      'drainCancelled a disabled',
    ]);
    await pollsStopped(backend);
    await balancer.stop();
  });

  it('stop() and removing the destination leave no timer', async () => {
    const { backend, balancer, events } = await setup();
    backend.setFlows(A, 1);
    balancer.drain('web', 'a', { until: 'idle' });
    balancer.drain('web', 'b', { until: 'idle', deadline: 9000 });
    balancer.removeDestination('web', 'b');
    expect(events.at(-1)).toBe('drainCancelled b removed');
    await vi.advanceTimersByTimeAsync(2000);
    await balancer.stop();
    expect(events.at(-1)).toBe('drainCancelled a stopped');
    await pollsStopped(backend);
  });

  it('does not count before the drain is in the kernel', async () => {
    let fail = false;
    const backend = createFakeBackend({
      failNext: () => (fail ? { kind: 'rejected', message: 'no' } : undefined),
    });
    const balancer = createBalancer({
      services: [web],
      backend,
      probes: createScriptedProbes().factory,
      retry: { initialMs: 60_000, maxMs: 60_000 },
    });
    await balancer.start();
    await balancer.settled();
    fail = true;
    balancer.drain('web', 'a', { until: 'idle' });
    await vi.advanceTimersByTimeAsync(3000);
    expect(backend.flowCounts).toBe(0);
    expect(kernelOf(backend)).toEqual(['a:1', 'b:1']);
    await balancer.stop();
  });

  it('checks its options', async () => {
    const { balancer } = await setup();
    const kind = (o: Parameters<typeof balancer.drain>[2]) =>
      balancer.drain('web', 'a', o).isErr()
        ? balancer.drain('web', 'a', o)._unsafeUnwrapErr().kind
        : 'ok';
    expect(kind({ until: -1 })).toBe('invalid');
    expect(kind({ until: Number.NaN })).toBe('invalid');
    expect(kind({ until: 1000, deadline: 5 })).toBe('invalid');
    expect(kind({ until: 'idle', deadline: 0 })).toBe('invalid');
    expect(kind({ until: 'soon' as 'idle' })).toBe('invalid');
    expect(balancer.drain('web', 'zz', { until: 'idle' })._unsafeUnwrapErr().kind).toBe(
      'not-found',
    );
    await balancer.stop();
    const blind = await setup(false);
    expect(blind.balancer.drain('web', 'a', { until: 'idle' })._unsafeUnwrapErr().message).toMatch(
      /cannot count flows/,
    );
    expect(blind.balancer.drain('web', 'a', { until: 2000 }).isOk()).toBe(true);
    await vi.advanceTimersByTimeAsync(2000);
    await blind.balancer.settled();
    expect(kernelOf(blind.backend)).toEqual(['b:1']);
    expect(blind.backend.flowCounts).toBe(0);
    await blind.balancer.stop();
  });
});
