/**
 * A backend wrapper that holds applies back until `release()`: while a
 * restarted daemon waits for its first health verdicts, the table the previous
 * run kept stays as it is (no window where every destination is "unknown" and
 * traffic is rejected). On release the latest desired state is applied in one
 * transaction, replacing the old table atomically.
 */
import type { ApplyReport, Backend, BackendError, DesiredState } from '@lbkit/core';
import { okAsync, ResultAsync } from 'neverthrow';

/** A `Backend` that holds applies until released. */
export interface HeldBackend extends Backend {
  /** Stops holding; applies the latest held desired state, if any. */
  release(): ResultAsync<ApplyReport | undefined, BackendError>;
  /** True while applies are held. */
  readonly holding: boolean;
}

/** Wraps `inner`; applies are held from the start when `hold` is true. */
export function holdBackend(inner: Backend, hold: boolean): HeldBackend {
  let holding = hold;
  let pending: DesiredState | undefined;
  // The release and the balancer's own applies never overlap.
  let tail: Promise<unknown> = Promise.resolve();
  const serial = (desired: DesiredState): ResultAsync<ApplyReport, BackendError> => {
    const run = tail.then(() => inner.apply(desired));
    tail = run.catch(() => undefined);
    return new ResultAsync(run);
  };
  return {
    name: inner.name,
    capabilities: inner.capabilities,
    get holding() {
      return holding;
    },
    apply(desired) {
      if (!holding) return serial(desired);
      pending = desired;
      return okAsync({ operations: 0, durationMs: 0, changedServices: [] });
    },
    read: () => inner.read(),
    // Drift checks go on while holding: the inner backend has nothing applied then, so finds nothing.
    ...(inner.checkDrift ? { checkDrift: () => inner.checkDrift!() } : {}),
    ...(inner.driftCheckIntervalMs === undefined
      ? {}
      : { driftCheckIntervalMs: inner.driftCheckIntervalMs }),
    close: (options) => inner.close(options),
    release() {
      holding = false;
      const desired = pending;
      pending = undefined;
      return desired === undefined ? okAsync(undefined) : serial(desired);
    },
  };
}
