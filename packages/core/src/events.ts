/** A map from event name to its payload type. */
export type EventMap = { readonly [name: string]: unknown };

/** A listener for one event. */
export type Listener<T> = (payload: T) => void;

/**
 * A small typed event emitter. Events notify; they never steer: a throwing
 * listener is reported to `onListenerError` (default: ignored) and cannot break
 * the emitter's caller.
 */
export class TypedEmitter<E extends EventMap> {
  readonly #listeners = new Map<keyof E, Set<Listener<never>>>();
  readonly #onListenerError: (error: unknown, event: keyof E) => void;

  constructor(onListenerError: (error: unknown, event: keyof E) => void = () => {}) {
    this.#onListenerError = onListenerError;
  }

  /** Subscribes; returns the function that unsubscribes. */
  on<K extends keyof E>(event: K, listener: Listener<E[K]>): () => void {
    let set = this.#listeners.get(event);
    if (!set) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  /** Calls every listener of `event`; listener errors are contained. */
  emit<K extends keyof E>(event: K, payload: E[K]): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as Listener<E[K]>)(payload);
      } catch (error) {
        try {
          this.#onListenerError(error, event);
        } catch {
          // An error handler that throws must not break the caller either.
        }
      }
    }
  }
}
