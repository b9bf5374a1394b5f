/**
 * lbkit's own health as keepalived sees it: healthy when no reason against
 * it is active. The reasons lbkit sets: `starting` (until the balancer has
 * its first verdicts applied), `apply-failed` (the kernel refused the last
 * change: this node's table may be stale), `service-empty:<name>` (a service
 * without serving destination, when asked), `stopping`. Pure.
 * @module
 */

/** Reason set at creation: cleared once the balancer is ready and applied. */
export const STARTING = 'starting';
/** The last apply failed. */
export const APPLY_FAILED = 'apply-failed';
/** lbkit is stopping: give the VIP away first. */
export const STOPPING = 'stopping';
/** A service has no serving destination. */
export const serviceEmpty = (service: string): string => `service-empty:${service}`;

/** The active reasons against health; healthy when there is none. */
export class HealthReasons {
  readonly #active = new Set<string>([STARTING]);

  /** Sets or clears one reason; true when that changed the set. */
  set(reason: string, active: boolean): boolean {
    if (active === this.#active.has(reason)) return false;
    if (active) this.#active.add(reason);
    else this.#active.delete(reason);
    return true;
  }

  get healthy(): boolean {
    return this.#active.size === 0;
  }

  /** The active reasons, sorted. */
  list(): readonly string[] {
    return [...this.#active].sort();
  }
}

/** The track_file text for a health: `1` healthy, `0` not (keepalived reads a number). */
export const trackFileText = (healthy: boolean): string => (healthy ? '1\n' : '0\n');
