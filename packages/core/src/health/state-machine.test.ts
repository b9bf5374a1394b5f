import { describe, expect, it } from 'vitest';
import { DEFAULT_HEALTH, type HealthSettings } from '../model.js';
import { initialStatus, nextDelay, step } from './state-machine.js';
import type { CheckResult, CheckStatus } from './types.js';

const settings: HealthSettings = {
  ...DEFAULT_HEALTH,
  interval: 1000,
  fastInterval: 100,
  downInterval: 5000,
  rise: 3,
  fall: 2,
};
const ok = (at = 1): CheckResult => ({ ok: true, at, latencyMs: 1 });
const fail = (at = 1): CheckResult => ({
  ok: false,
  at,
  latencyMs: 1,
  error: { kind: 'refused', message: 'connection refused', latencyMs: 1 },
});

const run = (start: CheckStatus, results: CheckResult[]) => {
  let status = start;
  const states: string[] = [];
  for (const r of results) {
    status = step(status, r, settings).status;
    states.push(status.state);
  }
  return { status, states };
};

describe('health state machine', () => {
  it('unknown: the first result decides', () => {
    expect(step(initialStatus(settings, 0), ok(5), settings).changed).toMatchObject({
      from: 'unknown',
      to: 'up',
    });
    expect(step(initialStatus(settings, 0), fail(), settings).status.state).toBe('down');
  });

  it('up -> down after `fall` consecutive failures, not before', () => {
    const up = { ...initialStatus(settings, 0), state: 'up' as const };
    expect(run(up, [fail(), ok(), fail(), fail()]).states).toEqual(['up', 'up', 'up', 'down']);
  });

  it('down -> up after `rise` consecutive successes, a failure resets the count', () => {
    const down = { ...initialStatus(settings, 0), state: 'down' as const };
    expect(run(down, [ok(), ok(), fail(), ok(), ok(), ok()]).states).toEqual([
      'down',
      'down',
      'down',
      'down',
      'down',
      'up',
    ]);
  });

  it('initial up and initial down are honoured until results arrive', () => {
    expect(initialStatus({ ...settings, initial: 'up' }, 0).state).toBe('up');
    expect(initialStatus({ ...settings, initial: 'down' }, 0).state).toBe('down');
  });

  it('records since, counters, last result and a reason', () => {
    const up = { ...initialStatus(settings, 0), state: 'up' as const };
    const s1 = step(up, fail(10), settings);
    const s2 = step(s1.status, fail(20), settings);
    expect(s1.status.since).toBe(0);
    expect(s2.status).toMatchObject({
      state: 'down',
      since: 20,
      failures: 2,
      runs: 2,
      totalFailed: 2,
    });
    expect(s2.changed?.reason).toBe('2 consecutive failures: refused: connection refused');
    expect(s2.status.lastResult).toEqual(fail(20));
  });

  it('switches intervals: fast while counting, down interval while down', () => {
    const base = initialStatus(settings, 0);
    expect(nextDelay(base, settings)).toBe(100);
    expect(nextDelay({ ...base, state: 'up' }, settings)).toBe(1000);
    expect(nextDelay({ ...base, state: 'up', failures: 1 }, settings)).toBe(100);
    expect(nextDelay({ ...base, state: 'down' }, settings)).toBe(5000);
    expect(nextDelay({ ...base, state: 'down', successes: 2 }, settings)).toBe(100);
  });
});
