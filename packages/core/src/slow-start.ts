/**
 * Slow start (HAProxy `slowstart`): a destination that recovers — health back
 * up, enabled again by the operator, or its agent back from `drain`/`maint`/
 * `0%` — gets a ramp factor that rises from a small share to 1 over the
 * service's `slowStart` ms. The factor feeds the planner's effective weight
 * (`dynamic-weight.ts`); each step asks for one re-plan (one transaction).
 *
 * Steps: `rampSteps(ms)` = ms / 250 ms, at most 10 (so at most 4 transactions
 * a second per ramping service, and 10% granularity on long ramps). With N
 * steps the factor is (k + 1) / (N + 1) during step k (k = 0..N-1, each
 * ms / N long), then 1 at `slowStart` when the ramp ends: 10 s gives 9%,
 * 18%, ... 91%, 100%.
 *
 * A first verdict never ramps (as HAProxy, not at start-up): only a
 * destination seen out of service (`out`) and then `serving` does. Going out
 * again cancels its ramp; so do `forget` (service removed or updated) and
 * `stop()`, which leaves no timer behind.
 */

import type { DestinationStatus } from './balancer-types.js';
import type { Destination, Service } from './model.js';
import { effectiveWeight } from './plan.js';

/** Where a destination stands, as the balancer sees it after a change. */
export type Standing = 'serving' | 'out' | 'unknown';

/**
 * `serving` when the planner gives it a weight > 0, `out` when it is absent
 * or at weight 0, `unknown` before its first verdict (or without a status).
 */
export function standingOf(
  service: Service,
  destination: Destination,
  status: DestinationStatus | undefined,
): Standing {
  if (status === undefined || status.health === 'unknown') return 'unknown';
  const weight = effectiveWeight(service, destination, status);
  return weight !== undefined && weight > 0 ? 'serving' : 'out';
}

/** Shortest ramp step in ms. */
export const SLOW_START_MIN_STEP_MS = 250;
/** Most steps of one ramp. */
export const SLOW_START_MAX_STEPS = 10;

/** Number of steps of a ramp of `ms` milliseconds (at least 1). */
export function rampSteps(ms: number): number {
  return Math.max(1, Math.min(SLOW_START_MAX_STEPS, Math.floor(ms / SLOW_START_MIN_STEP_MS)));
}

/** The ramp factor during step `step` of `steps` (1 once `step >= steps`). */
export function rampFactor(step: number, steps: number): number {
  return step >= steps ? 1 : (step + 1) / (steps + 1);
}

/** Options of `createSlowStart`. */
export interface SlowStartOptions {
  /** Called when a ramp of `service` moves to its next step or ends: re-plan it. */
  readonly onStep: (service: string) => void;
}

/** Ramps of every destination; owned by the balancer. */
export interface SlowStart {
  /**
   * Records where a destination stands now. `serving` after `out` starts a
   * ramp of `slowStartMs` (when > 0); anything but `serving` cancels one.
   */
  observe(service: string, destination: string, standing: Standing, slowStartMs: number): void;
  /** The current factor in (0, 1]; 1 when the destination is not ramping. */
  factor(service: string, destination: string): number;
  /** Number of ramps under way. */
  readonly active: number;
  /** Cancels the ramps of `service` and forgets its destinations (removed or updated). */
  forget(service: string): void;
  /** Cancels every ramp: no timer is left. */
  stop(): void;
}

interface Ramp {
  readonly service: string;
  readonly steps: number;
  readonly stepMs: number;
  step: number;
  timer: NodeJS.Timeout | undefined;
}

const keyOf = (service: string, destination: string): string => `${service}\u0000${destination}`;

/** Creates the slow-start tracker. Timers are unref'd: they never keep a process alive. */
export function createSlowStart(options: SlowStartOptions): SlowStart {
  const standings = new Map<string, Standing>();
  const ramps = new Map<string, Ramp>();
  let stopped = false;

  const cancel = (key: string): void => {
    const ramp = ramps.get(key);
    if (ramp === undefined) return;
    clearTimeout(ramp.timer);
    ramps.delete(key);
  };

  const advance = (key: string, ramp: Ramp): void => {
    ramp.timer = setTimeout(() => {
      if (ramps.get(key) !== ramp) return;
      ramp.step++;
      if (ramp.step >= ramp.steps) ramps.delete(key);
      else advance(key, ramp);
      options.onStep(ramp.service);
    }, ramp.stepMs);
    ramp.timer.unref?.();
  };

  return {
    observe(service, destination, standing, slowStartMs) {
      if (stopped) return;
      const key = keyOf(service, destination);
      const previous = standings.get(key);
      standings.set(key, standing);
      if (standing !== 'serving') {
        cancel(key);
        return;
      }
      if (previous !== 'out' || !(slowStartMs > 0) || ramps.has(key)) return;
      const steps = rampSteps(slowStartMs);
      const ramp: Ramp = { service, steps, stepMs: slowStartMs / steps, step: 0, timer: undefined };
      ramps.set(key, ramp);
      advance(key, ramp);
    },
    factor(service, destination) {
      const ramp = ramps.get(keyOf(service, destination));
      return ramp === undefined ? 1 : rampFactor(ramp.step, ramp.steps);
    },
    get active() {
      return ramps.size;
    },
    forget(service) {
      const prefix = `${service}\u0000`;
      for (const key of [...standings.keys()]) {
        if (!key.startsWith(prefix)) continue;
        standings.delete(key);
        cancel(key);
      }
    },
    stop() {
      stopped = true;
      for (const key of [...ramps.keys()]) cancel(key);
      standings.clear();
    },
  };
}
