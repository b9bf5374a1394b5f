/**
 * Signal handlers installed before anything else, so that a signal arriving
 * while a daemon still starts (reading its config, first apply) is kept, not
 * fatal: until a program attaches its own handler, a signal is remembered and
 * replayed on `on()`. Without a handler, SIGHUP's default action kills the
 * process (exit 129), which a `systemctl reload` right after a start did.
 *
 * Node's own start-up runs before any JavaScript (about 40 ms on an idle host,
 * more under load): a signal in that window still gets the default action. A
 * sender that must be safe at any time waits until the process handles the
 * signal (see `nft-lb --reload PID`). This module imports only Node built-ins,
 * so an entry point can install it before it loads anything heavy.
 */

/** The signals a daemon handles. */
export type DaemonSignal = 'SIGHUP' | 'SIGTERM' | 'SIGINT';

/** Handlers attached later; signals that came before are replayed. */
export interface TrappedSignals {
  /**
   * Handles `signal` from now on; if it arrived before (any number of times),
   * `handler` runs once at once (a burst of SIGHUPs is one reload).
   */
  on(signal: DaemonSignal, handler: () => void): void;
  /** True once SIGTERM or SIGINT arrived (handled or not). */
  readonly stopRequested: boolean;
}

/** Installs handlers for SIGHUP, SIGTERM and SIGINT now (synchronously). */
export function trapSignals(target: NodeJS.Process = process): TrappedSignals {
  const handlers = new Map<DaemonSignal, () => void>();
  const pending = new Set<DaemonSignal>();
  let stopRequested = false;
  for (const signal of ['SIGHUP', 'SIGTERM', 'SIGINT'] as const) {
    target.on(signal, () => {
      if (signal !== 'SIGHUP') stopRequested = true;
      const handler = handlers.get(signal);
      if (handler) handler();
      else pending.add(signal);
    });
  }
  return {
    on(signal, handler) {
      handlers.set(signal, handler);
      if (pending.delete(signal)) handler();
    },
    get stopRequested() {
      return stopRequested;
    },
  };
}
