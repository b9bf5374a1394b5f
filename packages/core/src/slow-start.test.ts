import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSlowStart, rampFactor, rampSteps } from './slow-start.js';

describe('slow start ramps', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('steps: ms / 250, between 1 and 10; factors (k+1)/(N+1), then 1', () => {
    expect([100, 250, 1000, 2500, 60_000].map(rampSteps)).toEqual([1, 1, 4, 10, 10]);
    expect([0, 1, 2, 3, 4].map((k) => rampFactor(k, 4))).toEqual([0.2, 0.4, 0.6, 0.8, 1]);
  });

  it('a recovered destination ramps 20% 40% 60% 80% 100% over 1 s, one step per 250 ms', () => {
    const steps: number[] = [];
    const ramps = createSlowStart({ onStep: () => steps.push(ramps.factor('web', 'a')) });
    ramps.observe('web', 'a', 'serving', 1000);
    ramps.observe('web', 'a', 'out', 1000);
    ramps.observe('web', 'a', 'serving', 1000);
    expect(ramps.factor('web', 'a')).toBe(0.2);
    expect(ramps.factor('web', 'b')).toBe(1);
    vi.advanceTimersByTime(249);
    expect(ramps.factor('web', 'a')).toBe(0.2);
    vi.advanceTimersByTime(751);
    expect(steps).toEqual([0.4, 0.6, 0.8, 1]);
    expect(ramps.active).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a first verdict never ramps (start-up), nor with slowStart 0', () => {
    const ramps = createSlowStart({ onStep: () => undefined });
    ramps.observe('web', 'a', 'unknown', 1000);
    ramps.observe('web', 'a', 'serving', 1000);
    ramps.observe('web', 'b', 'serving', 1000);
    ramps.observe('web', 'c', 'out', 0);
    ramps.observe('web', 'c', 'serving', 0);
    expect(ramps.active).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('going out again cancels the ramp; forget and stop leave no timer', () => {
    const onStep = vi.fn();
    const ramps = createSlowStart({ onStep });
    const recover = (d: string, service = 'web') => {
      ramps.observe(service, d, 'out', 2000);
      ramps.observe(service, d, 'serving', 2000);
    };
    recover('a');
    vi.advanceTimersByTime(300);
    ramps.observe('web', 'a', 'out', 2000);
    expect(ramps.factor('web', 'a')).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
    recover('b');
    recover('c', 'mail');
    expect(ramps.active).toBe(2);
    ramps.forget('web');
    expect(ramps.active).toBe(1);
    expect(ramps.factor('web', 'b')).toBe(1);
    ramps.stop();
    expect(vi.getTimerCount()).toBe(0);
    const calls = onStep.mock.calls.length;
    vi.advanceTimersByTime(10_000);
    expect(onStep.mock.calls.length).toBe(calls);
    recover('d');
    expect(ramps.active).toBe(0);
  });

  it('serving again while ramping keeps the ramp (no restart)', () => {
    const ramps = createSlowStart({ onStep: () => undefined });
    ramps.observe('web', 'a', 'out', 1000);
    ramps.observe('web', 'a', 'serving', 1000);
    vi.advanceTimersByTime(500);
    ramps.observe('web', 'a', 'serving', 1000);
    expect(ramps.factor('web', 'a')).toBe(0.6);
    ramps.stop();
  });
});
