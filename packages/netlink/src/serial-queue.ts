/**
 * One operation at a time on a shared resource (a socket and the request
 * reading its answer, a reused batch buffer, a kernel table): each runs after
 * the one before it has settled, whatever its outcome.
 * @module
 */
import { err, type Result, ResultAsync } from 'neverthrow';

/** Runs `work` after every earlier one. */
export type SerialQueue<E> = <T>(work: () => Promise<Result<T, E>>) => ResultAsync<T, E>;

/** A new queue; `onThrow` turns an operation that threw into its error. */
export function createSerialQueue<E>(onThrow: (cause: unknown) => E): SerialQueue<E> {
  let queue: Promise<unknown> = Promise.resolve();
  return <T>(work: () => Promise<Result<T, E>>): ResultAsync<T, E> => {
    const run = queue.then(work, work);
    queue = run.catch(() => undefined);
    return new ResultAsync(run.catch((cause: unknown): Result<T, E> => err(onThrow(cause))));
  };
}
