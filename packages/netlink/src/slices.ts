/**
 * Long pure work (rendering 10,000 services, encoding their batch, building
 * the snapshot a read-back is compared with) written ONCE, as a generator
 * that yields between items, and run two ways: straight through (`runAll`,
 * the pure API) or in slices with the event loop running in between
 * (`runInSlices`, what the backend does), so that a probe timer due during a
 * cold apply still fires on time.
 * @module
 */

/** Work that yields (nothing) at points where it may pause, and returns `T`. */
export type Steps<T> = Generator<void, T, void>;

/** Runs `steps` to the end without pausing. */
export function runAll<T>(steps: Steps<T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** How long one slice may keep the thread before the event loop gets a turn, ms. */
export const SLICE_MS = 8;

/** Lets the event loop run (timers, probes, sockets) once. */
export const yieldToEventLoop = (): Promise<void> =>
  new Promise((resolve) => setImmediate(resolve));

/**
 * A pause that pauses only when the slice has held the thread for `sliceMs`
 * or more: `undefined` (nothing to await) otherwise. For async work with
 * natural stopping points (one request of a dump after another).
 */
export function pacer(
  pause: () => Promise<void> = yieldToEventLoop,
  sliceMs: number = SLICE_MS,
): () => Promise<void> | undefined {
  let sliceStart = performance.now();
  return () => {
    if (performance.now() - sliceStart < sliceMs) return undefined;
    return pause().then(() => {
      sliceStart = performance.now();
    });
  };
}

/**
 * Runs `steps` to the end, awaiting `pace()` after each yield whenever it
 * gives a promise (a `pacer`, shared with other work of the same operation).
 */
export async function runPaced<T>(
  steps: Steps<T>,
  pace: () => Promise<void> | undefined,
): Promise<T> {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    const paused = pace();
    if (paused) await paused;
  }
}

/**
 * Runs `steps` to the end, giving the event loop a turn (`pause`) whenever a
 * slice has held the thread for `sliceMs` or more. A yield costs one clock
 * read, so generators may yield often (every few dozen items).
 */
export function runInSlices<T>(
  steps: Steps<T>,
  pause: () => Promise<void> = yieldToEventLoop,
  sliceMs: number = SLICE_MS,
): Promise<T> {
  return runPaced(steps, pacer(pause, sliceMs));
}

/** How many items generators handle between two yields. */
export const ITEMS_PER_STEP = 64;
