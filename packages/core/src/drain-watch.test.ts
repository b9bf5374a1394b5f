import { okAsync } from 'neverthrow';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDrainWatcher, resolveDrainOptions } from './drain-watch.js';

const KEY = { vip: '192.0.2.10', port: 80, protocol: 'tcp' as const };

function watcher(flows: () => number) {
  const removed: string[] = [];
  const events: string[] = [];
  const w = createDrainWatcher({
    countFlows: (q) => okAsync(q.map(flows)),
    target: () => ({ service: KEY, address: '198.51.100.1', port: 80 }),
    drainApplied: () => true,
    remove: (s, d) => removed.push(`${s}/${d}`),
    emit: (event) => events.push(event),
  });
  return { w, removed, events };
}

describe('drain watcher', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('holds one poll timer and one deadline timer per watch, none after it ends', async () => {
    let n = 2;
    const { w, removed } = watcher(() => n);
    w.start('web', 'a', resolveDrainOptions({ until: 10_000 }, true)._unsafeUnwrap());
    w.start('web', 'b', resolveDrainOptions({ until: 'idle' }, true)._unsafeUnwrap());
    expect(vi.getTimerCount()).toBe(3);
    expect(w.watching()).toEqual(['web/a', 'web/b']);
    await vi.advanceTimersByTimeAsync(3000);
    n = 0;
    await vi.advanceTimersByTimeAsync(1000);
    expect(removed).toEqual(['web/a', 'web/b']);
    expect(vi.getTimerCount()).toBe(0);
    expect(w.watching()).toEqual([]);
  });

  it('stopAll and cancel clear every timer', () => {
    const { w, events } = watcher(() => 1);
    w.start('web', 'a', resolveDrainOptions({ until: 10_000 }, true)._unsafeUnwrap());
    w.start('web', 'b', resolveDrainOptions({ until: 10_000 }, false)._unsafeUnwrap());
    w.cancel('web', 'a', 'enabled');
    w.stopAll();
    expect(vi.getTimerCount()).toBe(0);
    expect(events).toEqual(['drainStarted', 'drainStarted', 'drainCancelled', 'drainCancelled']);
  });

  it('bounds the poll interval', () => {
    const poll = (pollInterval: number) =>
      resolveDrainOptions({ until: 'idle', pollInterval }, true)._unsafeUnwrap().pollMs;
    expect(poll(1)).toBe(100);
    expect(poll(10 ** 9)).toBe(60_000);
    expect(resolveDrainOptions({ until: 'idle' }, true)._unsafeUnwrap()).toEqual({
      deadlineMs: undefined,
      pollMs: 1000,
      counts: true,
    });
  });
});
