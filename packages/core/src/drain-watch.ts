/**
 * Rolling maintenance: watches drained destinations until their flows reach
 * 0 or a deadline passes, then has them removed. One watch per (service,
 * destination); each polls `Backend.countFlows` on its own timer (never two
 * counts at once) and holds at most two timers, both cleared when it ends.
 * @module
 */
import { err, ok, type Result, type ResultAsync } from 'neverthrow';
import type { BackendError, FlowCountQuery } from './backend.js';
import type { BalancerEvents, DrainOptions } from './balancer-types.js';

/** Default flow count poll interval (ms). */
export const DEFAULT_DRAIN_POLL_MS = 1000;
/** Bounds of the poll interval (ms): a value outside is clamped. */
export const DRAIN_POLL_BOUNDS = { min: 100, max: 60_000 } as const;
/** The longest deadline a timer can hold (ms, about 24.8 days). */
const MAX_DEADLINE_MS = 2 ** 31 - 1;

/** `DrainOptions` checked and resolved. */
export interface ResolvedDrain {
  /** Remove after this many ms at the latest; undefined = wait for idle only. */
  readonly deadlineMs: number | undefined;
  readonly pollMs: number;
  /** Whether flows are counted (the backend can); otherwise only the deadline removes. */
  readonly counts: boolean;
}

const isDuration = (v: unknown): v is number =>
  typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= MAX_DEADLINE_MS;

/** Checks `options`; `canCount` = the backend has `countFlows`. Errors are messages. */
export function resolveDrainOptions(
  options: DrainOptions,
  canCount: boolean,
): Result<ResolvedDrain, string> {
  const { until, deadline, pollInterval } = options;
  if (until !== 'idle' && !isDuration(until)) {
    return err(`drain until must be 'idle' or a duration in ms (1..${MAX_DEADLINE_MS})`);
  }
  if (deadline !== undefined && (until !== 'idle' || !isDuration(deadline))) {
    return err(
      until !== 'idle'
        ? 'drain deadline goes with until: idle (a numeric until is the deadline)'
        : `drain deadline must be a duration in ms (1..${MAX_DEADLINE_MS})`,
    );
  }
  if (pollInterval !== undefined && !(typeof pollInterval === 'number' && pollInterval > 0)) {
    return err('drain pollInterval must be a positive number of ms');
  }
  const deadlineMs = until === 'idle' ? deadline : until;
  if (!canCount && deadlineMs === undefined) {
    return err("the backend cannot count flows: drain until 'idle' needs a deadline");
  }
  const pollMs = Math.min(
    DRAIN_POLL_BOUNDS.max,
    Math.max(DRAIN_POLL_BOUNDS.min, pollInterval ?? DEFAULT_DRAIN_POLL_MS),
  );
  return ok({ deadlineMs, pollMs, counts: canCount });
}

type Emit = <K extends keyof BalancerEvents & string>(event: K, payload: BalancerEvents[K]) => void;

/** What the watcher needs from the balancer. */
export interface DrainWatchHooks {
  readonly countFlows?: (
    queries: readonly FlowCountQuery[],
  ) => ResultAsync<readonly number[], BackendError>;
  /** What to count for a destination; undefined = it is gone. */
  readonly target: (service: string, destination: string) => FlowCountQuery | undefined;
  /** True once the kernel has the destination without new flows (the drain was applied). */
  readonly drainApplied: (service: string, destination: string) => boolean;
  /** Removes the destination from the desired state (it is idle or out of time). */
  readonly remove: (service: string, destination: string) => void;
  readonly emit: Emit;
  /** Clock for `elapsedMs`. Default `Date.now`. */
  readonly now?: () => number;
}

type CancelReason = BalancerEvents['drainCancelled']['reason'];

/** The watches of one balancer. */
export interface DrainWatcher {
  /** Starts watching (a watch already there is cancelled as `redrained`). */
  start(service: string, destination: string, drain: ResolvedDrain): void;
  /** Ends a watch without removal; no-op when there is none. */
  cancel(service: string, destination: string, reason: CancelReason): void;
  /** Cancels every watch whose destination `gone` says is gone. */
  cancelGone(gone: (service: string, destination: string) => boolean): void;
  /** Cancels every watch (`stopped`): no timer is left. */
  stopAll(): void;
  /** Destinations being watched, as `service/destination`. */
  watching(): readonly string[];
}

interface Watch {
  readonly service: string;
  readonly destination: string;
  readonly drain: ResolvedDrain;
  readonly started: number;
  poll?: NodeJS.Timeout;
  deadline?: NodeJS.Timeout;
  flows?: number;
}

/** Creates the drain watcher of one balancer. */
export function createDrainWatcher(hooks: DrainWatchHooks): DrainWatcher {
  const now = hooks.now ?? Date.now;
  const watches = new Map<string, Watch>();
  const refOf = (service: string, destination: string) => `${service}\u0000${destination}`;

  const end = (w: Watch): void => {
    clearTimeout(w.poll);
    clearTimeout(w.deadline);
    watches.delete(refOf(w.service, w.destination));
  };

  const finish = (w: Watch, reason: 'idle' | 'deadline'): void => {
    end(w);
    hooks.remove(w.service, w.destination);
    hooks.emit('drained', {
      service: w.service,
      destination: w.destination,
      reason,
      elapsedMs: now() - w.started,
      ...(w.flows === undefined ? {} : { flows: w.flows }),
    });
  };

  const live = (w: Watch): boolean => watches.get(refOf(w.service, w.destination)) === w;

  const schedule = (w: Watch): void => {
    w.poll = setTimeout(() => void poll(w), w.drain.pollMs);
    w.poll.unref?.();
  };

  const poll = async (w: Watch): Promise<void> => {
    const target = hooks.target(w.service, w.destination);
    if (!target || !hooks.countFlows || !hooks.drainApplied(w.service, w.destination)) {
      schedule(w); // the drain is not in the kernel yet: counting now could race new flows
      return;
    }
    const counted = await hooks.countFlows([target]);
    if (!live(w)) return;
    const elapsedMs = now() - w.started;
    const base = { service: w.service, destination: w.destination, elapsedMs };
    if (counted.isErr()) hooks.emit('drainProgress', { ...base, error: counted.error });
    else {
      const flows = counted.value[0] ?? 0;
      if (flows !== w.flows) hooks.emit('drainProgress', { ...base, flows });
      w.flows = flows;
      if (flows === 0) return finish(w, 'idle');
    }
    schedule(w);
  };

  const cancel = (service: string, destination: string, reason: CancelReason): void => {
    const w = watches.get(refOf(service, destination));
    if (!w) return;
    end(w);
    hooks.emit('drainCancelled', { service, destination, reason });
  };

  return {
    start(service, destination, drain) {
      cancel(service, destination, 'redrained');
      const w: Watch = { service, destination, drain, started: now() };
      watches.set(refOf(service, destination), w);
      hooks.emit('drainStarted', {
        service,
        destination,
        ...(drain.deadlineMs === undefined ? {} : { deadlineMs: drain.deadlineMs }),
      });
      if (drain.deadlineMs !== undefined) {
        w.deadline = setTimeout(() => finish(w, 'deadline'), drain.deadlineMs);
        w.deadline.unref?.();
      }
      if (drain.counts) schedule(w);
    },
    cancel,
    cancelGone(gone) {
      for (const w of [...watches.values()]) {
        if (gone(w.service, w.destination)) cancel(w.service, w.destination, 'removed');
      }
    },
    stopAll() {
      for (const w of [...watches.values()]) cancel(w.service, w.destination, 'stopped');
    },
    watching: () => [...watches.values()].map((w) => `${w.service}/${w.destination}`),
  };
}
