import { describe, expect, it } from 'vitest';
import { pacer, runAll, runInSlices, type Steps } from './slices.js';

/** `n` steps, each holding the thread for `busyMs`; returns how many ran. */
function* busy(n: number, busyMs: number): Steps<number> {
  for (let i = 0; i < n; i++) {
    const until = performance.now() + busyMs;
    while (performance.now() < until) {
      // the work of one step
    }
    yield;
  }
  return n;
}

describe('steps', () => {
  it('runAll runs every step and returns the result', () => {
    expect(runAll(busy(5, 0))).toBe(5);
  });

  it('runInSlices gives the event loop a turn once a slice held the thread for sliceMs', async () => {
    let pauses = 0;
    /** Time the slice before each pause held the thread: from the end of the pause before. */
    const slices: number[] = [];
    let sliceStart = performance.now();
    const pause = () => {
      slices.push(performance.now() - sliceStart);
      return new Promise<void>((resolve) =>
        setImmediate(() => {
          pauses++;
          sliceStart = performance.now();
          resolve();
        }),
      );
    };
    // 20 steps of at least 2 ms in slices of 5 ms: a pause after every third step at most.
    expect(await runInSlices(busy(20, 2), pause, 5)).toBe(20);
    expect(pauses).toBeGreaterThanOrEqual(5);
    // Never a pause before the slice has run its 5 ms (a count would depend on the load).
    expect(slices.every((ms) => ms >= 5)).toBe(true);
    // Short steps in long slices: no pause at all.
    pauses = 0;
    expect(await runInSlices(busy(20, 0), pause, 1000)).toBe(20);
    expect(pauses).toBe(0);
  });

  it('lets a timer due during the work run in between', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      await runInSlices(busy(50, 2));
    } finally {
      clearInterval(timer);
    }
    // 100 ms of work in slices of 8 ms: the timer ran between them.
    expect(ticks).toBeGreaterThanOrEqual(5);
  });

  it('pacer pauses only after sliceMs', async () => {
    const pace = pacer(() => Promise.resolve(), 50);
    expect(pace()).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 60));
    const paused = pace();
    expect(paused).toBeInstanceOf(Promise);
    await paused;
    expect(pace()).toBeUndefined();
  });
});
