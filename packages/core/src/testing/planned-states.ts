/**
 * Desired states made the way the balancer makes them, for tests and
 * benchmarks of what consumes them (backends, events): core `Service`
 * models planned once (`planFull`), then every batch of health changes
 * re-planned by `replan()` for the services it touches, each state derived
 * from the one before (so `changedEntries` knows what changed).
 * @module
 */
import type { DestinationStatus } from '../balancer-types.js';
import type { DesiredState } from '../desired.js';
import type { HealthState } from '../health/types.js';
import { DEFAULT_HEALTH, type Destination, type Service, type ServiceKey } from '../model.js';
import { type Planned, planFull, replan } from '../plan.js';

/**
 * A service model with a TCP check and the default health settings: `rr`,
 * reject when empty, down destinations removed, no persistence. `extra`
 * overrides any field.
 */
export function modelService(
  name: string,
  key: ServiceKey,
  destinations: readonly Destination[],
  extra: Partial<Service> = {},
): Service {
  return {
    name,
    key,
    scheduler: 'rr',
    destinations,
    probe: { kind: 'tcp' },
    health: DEFAULT_HEALTH,
    whenEmpty: 'reject',
    downAction: 'remove',
    persistence: 0,
    ...extra,
  };
}

/** One destination's new health. */
export interface HealthChange {
  readonly service: string;
  readonly destination: string;
  readonly health: HealthState;
}

/** The states so far; `change` makes the next one. */
export interface PlannedStates {
  /** The latest state (the first: every destination up, or as `initial` says). */
  readonly state: DesiredState;
  /**
   * Applies `changes`, then re-plans the services they name (and `also`,
   * re-planned to an equal entry when nothing of theirs changed) into the
   * next state.
   */
  change(changes: readonly HealthChange[], also?: readonly string[]): DesiredState;
}

/** `services` planned with every destination `initial` (default up, enabled). */
export function createPlannedStates(
  services: Iterable<Service>,
  initial: DestinationStatus = { health: 'up', admin: 'enabled' },
): PlannedStates {
  const byName = new Map([...services].map((s) => [s.name, s]));
  const status = new Map<string, DestinationStatus>();
  const lookup = (s: string, d: string) => status.get(`${s}/${d}`) ?? initial;
  let planned: Planned = planFull(byName.values(), lookup);
  return {
    get state() {
      return planned.state;
    },
    change(changes, also = []) {
      for (const c of changes) {
        const before = status.get(`${c.service}/${c.destination}`) ?? initial;
        status.set(`${c.service}/${c.destination}`, { ...before, health: c.health });
      }
      const dirty = new Set([...changes.map((c) => c.service), ...also]);
      planned = replan(planned, byName, lookup, dirty);
      return planned.state;
    },
  };
}
