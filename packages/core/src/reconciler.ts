import type { ApplyReport, Backend, BackendError } from './backend.js';
import type { DesiredState } from './desired.js';

/** Backoff for failed applies. */
export interface RetryOptions {
  /** First retry delay in ms. Default 200. */
  readonly initialMs?: number;
  /** Largest retry delay in ms. Default 10000. */
  readonly maxMs?: number;
  /** Growth factor per failure. Default 2. */
  readonly factor?: number;
}

/** Options for `createReconciler`. */
export interface ReconcilerOptions {
  readonly backend: Backend;
  /** Computes the desired state now (normally `plan(...)`). */
  readonly compute: () => DesiredState;
  readonly retry?: RetryOptions;
  /** Called after each successful apply. */
  readonly onApplied?: (report: ApplyReport, desired: DesiredState) => void;
  /** Called after each failed apply, before the retry delay. */
  readonly onFailed?: (error: BackendError, attempt: number, retryInMs: number) => void;
}

/** Keeps a backend in step with a desired state: single-flight, coalescing, retrying. */
export interface Reconciler {
  /** Marks the state dirty; an apply follows soon. Many triggers coalesce into one apply. */
  trigger(): void;
  /** Resolves when the last computed state has been applied (or after `stop`). */
  settled(): Promise<void>;
  /** Applies failed in a row (0 when in sync). */
  readonly failures: number;
  /** Stops: no new applies; an apply in flight finishes. */
  stop(): Promise<void>;
}

/**
 * Creates a reconciler. At most one apply runs at a time; triggers that arrive
 * during an apply cause exactly one more apply with the state computed when it
 * starts, so a burst of changes becomes one or two applies. A failed apply is
 * retried with exponential backoff until it succeeds or `stop()` is called.
 */
export function createReconciler(options: ReconcilerOptions): Reconciler {
  const initialMs = options.retry?.initialMs ?? 200;
  const maxMs = options.retry?.maxMs ?? 10_000;
  const factor = options.retry?.factor ?? 2;
  let dirty = false;
  let running: Promise<void> | undefined;
  let stopped = false;
  let failures = 0;
  let retryTimer: NodeJS.Timeout | undefined;
  let wakeRetry: (() => void) | undefined;
  let waiters: Array<() => void> = [];

  const release = (): void => {
    const done = waiters;
    waiters = [];
    for (const resolve of done) resolve();
  };

  const pause = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      wakeRetry = resolve;
      retryTimer = setTimeout(resolve, ms);
    });

  const loop = async (): Promise<void> => {
    // Let the current tick's burst of triggers coalesce.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (dirty && !stopped) {
      dirty = false;
      const desired = options.compute();
      const result = await options.backend.apply(desired);
      if (result.isOk()) {
        failures = 0;
        options.onApplied?.(result.value, desired);
        continue;
      }
      failures++;
      const delay = Math.min(maxMs, initialMs * factor ** (failures - 1));
      options.onFailed?.(result.error, failures, delay);
      dirty = true;
      await pause(delay);
    }
    running = undefined;
    if (!dirty || stopped) release();
  };

  return {
    trigger() {
      if (stopped) return;
      dirty = true;
      running ??= loop();
    },
    settled() {
      if (stopped || (!dirty && !running)) return Promise.resolve();
      return new Promise((resolve) => waiters.push(resolve));
    },
    get failures() {
      return failures;
    },
    async stop() {
      stopped = true;
      clearTimeout(retryTimer);
      wakeRetry?.();
      await running;
      release();
    },
  };
}
