import type { HealthSettings } from '../model.js';
import type { CheckResult, CheckStatus, HealthState } from './types.js';

/** A fresh status in the configured initial state. */
export const initialStatus = (settings: HealthSettings, now: number): CheckStatus => ({
  state: settings.initial,
  since: now,
  successes: 0,
  failures: 0,
  runs: 0,
  totalOk: 0,
  totalFailed: 0,
});

/** The status after one result, and the transition it caused (if any). */
export interface Step {
  readonly status: CheckStatus;
  readonly changed?: {
    readonly from: HealthState;
    readonly to: HealthState;
    readonly reason: string;
  };
}

const describeResult = (result: CheckResult): string =>
  result.ok
    ? `ok in ${Math.round(result.latencyMs)} ms${result.identity ? ` (${result.identity})` : ''}`
    : `${result.error?.kind ?? 'failed'}: ${result.error?.message ?? 'check failed'}`;

function decide(
  state: HealthState,
  successes: number,
  failures: number,
  settings: HealthSettings,
): HealthState {
  // The first result gives the first verdict: `unknown` is never kept once a check ran.
  if (state === 'unknown') return successes > 0 ? 'up' : 'down';
  if (state === 'up' && failures >= settings.fall) return 'down';
  if (state === 'down' && successes >= settings.rise) return 'up';
  return state;
}

/**
 * Pure rise/fall state machine: `fall` consecutive failures take an `up`
 * target down, `rise` consecutive successes bring a `down` one up, and the
 * first result decides an `unknown` one.
 */
export function step(status: CheckStatus, result: CheckResult, settings: HealthSettings): Step {
  const successes = result.ok ? status.successes + 1 : 0;
  const failures = result.ok ? 0 : status.failures + 1;
  const state = decide(status.state, successes, failures, settings);
  const next: CheckStatus = {
    state,
    since: state === status.state ? status.since : result.at,
    successes,
    failures,
    lastResult: result,
    runs: status.runs + 1,
    totalOk: status.totalOk + (result.ok ? 1 : 0),
    totalFailed: status.totalFailed + (result.ok ? 0 : 1),
  };
  if (state === status.state) return { status: next };
  const count = result.ok ? successes : failures;
  const reason =
    status.state === 'unknown'
      ? `first check: ${describeResult(result)}`
      : `${count} consecutive ${result.ok ? 'successes' : 'failures'}: ${describeResult(result)}`;
  return { status: next, changed: { from: status.state, to: state, reason } };
}

/**
 * Delay before the next check: `fastInterval` while a change is being counted
 * (or before the first verdict), `downInterval` while down, `interval` otherwise.
 */
export function nextDelay(status: CheckStatus, settings: HealthSettings): number {
  const counting =
    status.state === 'unknown' ||
    (status.state === 'up' && status.failures > 0) ||
    (status.state === 'down' && status.successes > 0);
  if (counting) return settings.fastInterval;
  return status.state === 'down' ? settings.downInterval : settings.interval;
}
