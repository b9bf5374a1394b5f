import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backendError } from './backend.js';
import type { DesiredState } from './desired.js';
import { createReconciler } from './reconciler.js';
import { createFakeBackend } from './testing/fake-backend.js';

const stateWith = (n: number): DesiredState => ({
  services: [
    {
      name: 'web',
      key: { vip: '192.0.2.10', port: 80, protocol: 'tcp' },
      scheduler: 'rr',
      whenEmpty: 'reject',
      persistence: 0,
      destinations: Array.from({ length: n }, (_, i) => ({
        name: `d${i}`,
        address: `198.51.100.${i + 1}`,
        port: 80,
        weight: 1,
      })),
    },
  ],
});

describe('reconciler', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('coalesces a burst of 100 triggers into one apply of the latest state', async () => {
    const backend = createFakeBackend();
    let n = 0;
    const r = createReconciler({ backend, compute: () => stateWith(n) });
    for (let i = 0; i < 100; i++) {
      n = i;
      r.trigger();
    }
    await vi.runAllTimersAsync();
    await r.settled();
    expect(backend.applied).toHaveLength(1);
    expect(backend.applied[0]!.services[0]!.destinations).toHaveLength(99);
  });

  it('triggers during an apply cause exactly one more apply', async () => {
    let n = 1;
    let applies = 0;
    const backend = createFakeBackend();
    const slow = {
      ...backend,
      apply: (d: DesiredState) => {
        applies++;
        // 50 triggers arrive while the first apply is in flight.
        for (let i = 0; applies === 1 && i < 50; i++) {
          n++;
          r.trigger();
        }
        return backend.apply(d);
      },
    };
    const r = createReconciler({ backend: slow, compute: () => stateWith(Math.min(n, 200)) });
    r.trigger();
    await vi.runAllTimersAsync();
    await r.settled();
    expect(applies).toBe(2);
    expect(backend.applied[1]!.services[0]!.destinations).toHaveLength(51);
    await r.stop();
  });

  it('retries a failing backend with backoff until it succeeds, reporting each failure', async () => {
    const failures: Array<[number, number]> = [];
    const backend = createFakeBackend({
      failNext: (_d, count) => (count <= 3 ? backendError('rejected', `boom ${count}`) : undefined),
    });
    const applied = vi.fn();
    const r = createReconciler({
      backend,
      compute: () => stateWith(2),
      retry: { initialMs: 100, maxMs: 250 },
      onApplied: applied,
      onFailed: (error, attempt, delay) => {
        expect(error.message).toBe(`boom ${attempt}`);
        failures.push([attempt, delay]);
      },
    });
    r.trigger();
    const settled = r.settled();
    await vi.advanceTimersByTimeAsync(1000);
    await settled;
    expect(failures).toEqual([
      [1, 100],
      [2, 200],
      [3, 250],
    ]);
    expect(applied).toHaveBeenCalledTimes(1);
    expect(backend.successes).toBe(1);
    expect(r.failures).toBe(0);
  });

  it('stop() ends the retry loop', async () => {
    const backend = createFakeBackend({ failNext: () => backendError('unavailable', 'no nft') });
    const r = createReconciler({ backend, compute: () => stateWith(1) });
    r.trigger();
    await vi.advanceTimersByTimeAsync(5000);
    const attempts = backend.applied.length;
    await r.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(backend.applied.length).toBe(attempts);
  });
});
