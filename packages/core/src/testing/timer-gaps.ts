/**
 * How free the event loop stays while some work runs: a timer due every few
 * milliseconds (a probe's schedule, in miniature) and the longest gap between
 * two of its ticks. Kernel and VM tests of the backends use it to hold that a
 * large apply or read-back never blocks the loop for long.
 * @module
 */

/** What `timerGaps` saw. */
export interface TimerGaps {
  /** The longest time between two ticks (or from the start to the first, or the last to the end), ms. */
  readonly longestMs: number;
  /** Ticks during the work. */
  readonly ticks: number;
  /** How long the work took, ms. */
  readonly workMs: number;
}

/** Runs `work` with an interval of `periodMs` (default 5) ticking beside it. */
export async function timerGaps(work: () => Promise<unknown>, periodMs = 5): Promise<TimerGaps> {
  const started = performance.now();
  let last = started;
  let longest = 0;
  let ticks = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    ticks++;
  }, periodMs);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  const ended = performance.now();
  return { longestMs: Math.max(longest, ended - last), ticks, workMs: ended - started };
}
