import { withParsedAddress } from './address.js';
import type { DestinationStatus } from './balancer-types.js';
import type { DesiredService, DesiredState } from './desired.js';
import { agentBaseWeight, scaleWeights, weightFactor } from './dynamic-weight.js';
import type { Destination, Service } from './model.js';
import { applyQuorum } from './quorum.js';
import { recordDerivation } from './state-derivation.js';

/** Looks up the status of a destination; `undefined` = not known (treated as unknown/enabled). */
export type StatusLookup = (service: string, destination: string) => DestinationStatus | undefined;

const UNKNOWN: DestinationStatus = { health: 'unknown', admin: 'enabled' };

/**
 * The weight a destination gets in the desired state, or `undefined` when it
 * must not be there at all.
 * - disabled by the operator: absent;
 * - drained by the operator: weight 0 (kept, no new flows);
 * - health up: its configured weight (its agent's: `dynamic-weight.ts`);
 * - agent says `maint`: absent; `drain`: weight 0;
 * - health down or unknown: absent, or weight 0 when the service's
 *   `downAction` is `drain` (existing connections continue).
 */
export function effectiveWeight(
  service: Service,
  destination: Destination,
  status: DestinationStatus,
): number | undefined {
  if (status.admin === 'disabled' || status.agent?.admin === 'maint') return undefined;
  if (status.health !== 'up') return service.downAction === 'drain' ? 0 : undefined;
  if (status.admin === 'drained') return 0;
  return agentBaseWeight(destination.weight, status);
}

const byName = <T extends { readonly name: string }>(a: T, b: T): number =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

function planService(service: Service, lookup: StatusLookup): DesiredService {
  const kept: { readonly d: Destination; readonly weight: number }[] = [];
  const factors: number[] = [];
  for (const d of service.destinations) {
    const status = lookup(service.name, d.name) ?? UNKNOWN;
    const weight = effectiveWeight(service, d, status);
    if (weight === undefined) continue;
    kept.push({ d, weight });
    factors.push(weightFactor(status));
  }
  // Agent percent and slow start (dynamic-weight.ts); unchanged when every factor is 1.
  const weights = scaleWeights(
    kept.map((k) => k.weight),
    factors,
  );
  const destinations = kept.map(({ d }, i) =>
    withParsedAddress(
      { name: d.name, address: d.address, port: d.port, weight: weights[i]! },
      'parsed',
      d.parsed,
    ),
  );
  // Quorum hook (quorum.ts): below it, only the sorry destination takes new flows.
  const q = applyQuorum(service, destinations, lookup);
  return withParsedAddress(
    {
      name: service.name,
      key: service.key,
      scheduler: service.scheduler,
      whenEmpty: service.whenEmpty,
      persistence: service.persistence,
      ...(service.forward !== undefined && { forward: service.forward }),
      destinations: [...q.destinations].sort(byName),
      ...(q.quorum ? { quorumStatus: q.quorum } : {}),
    },
    'parsedVip',
    service.parsedVip,
  );
}

/**
 * Pure: the desired kernel state for `services` given each destination's
 * status. No clock, no I/O; the same input always gives the same output
 * (services and destinations sorted by name).
 */
export function plan(services: readonly Service[], lookup: StatusLookup): DesiredState {
  return { services: services.map((s) => planService(s, lookup)).sort(byName) };
}

/**
 * A plan with what `replan()` needs to reuse it: the services it was computed
 * from and where each one sits in `state.services`. Treat as immutable.
 */
export interface Planned {
  readonly state: DesiredState;
  /** Service name -> the `Service` object its entry was planned from. */
  readonly from: ReadonlyMap<string, Service>;
  /** Service name -> its index in `state.services`. */
  readonly at: ReadonlyMap<string, number>;
}

/** Pure: `plan()` with the bookkeeping `replan()` reuses. */
export function planFull(services: Iterable<Service>, lookup: StatusLookup): Planned {
  const list = [...services];
  const state = plan(list, lookup);
  return {
    state,
    from: new Map(list.map((s) => [s.name, s])),
    at: new Map(state.services.map((s, i) => [s.name, i])),
  };
}

/**
 * Pure and incremental: the plan of `services`, re-planning only the names in
 * `dirty` and reusing `previous`'s `DesiredService` objects (by identity) for
 * every other name, so a health change costs O(changed) plus one array copy.
 * The result equals `planFull(services, lookup)` provided that `dirty` names
 * every service that was added, removed, replaced by another `Service` object
 * or had a destination status change since `previous` (the caller's contract;
 * a name left out keeps its old entry). When names were added or removed the
 * order is rebuilt (O(n log n)), still reusing the unchanged entries. When
 * they were not, the result records which entries it replaced
 * (`changedEntries`).
 */
export function replan(
  previous: Planned,
  services: ReadonlyMap<string, Service>,
  lookup: StatusLookup,
  dirty: Iterable<string>,
): Planned {
  const touched = new Set<string>();
  let sameNames = services.size === previous.from.size;
  for (const name of dirty) {
    touched.add(name);
    if (services.has(name) !== previous.from.has(name)) sameNames = false;
  }
  if (!sameNames) return rebuild(previous, services, lookup, touched);
  const next = previous.state.services.slice();
  let from = previous.from;
  const replaced: number[] = [];
  for (const name of touched) {
    const service = services.get(name);
    const index = previous.at.get(name);
    if (service === undefined || index === undefined) continue;
    next[index] = planService(service, lookup);
    replaced.push(index);
    if (from.get(name) !== service) {
      if (from === previous.from) from = new Map(previous.from);
      (from as Map<string, Service>).set(name, service);
    }
  }
  const state = { services: next };
  recordDerivation(
    state,
    previous.state,
    replaced.sort((a, b) => a - b),
  );
  return { state, from, at: previous.at };
}

function rebuild(
  previous: Planned,
  services: ReadonlyMap<string, Service>,
  lookup: StatusLookup,
  touched: ReadonlySet<string>,
): Planned {
  const planned: DesiredService[] = [];
  for (const service of services.values()) {
    const index = previous.at.get(service.name);
    const reusable =
      index !== undefined &&
      !touched.has(service.name) &&
      previous.from.get(service.name) === service;
    planned.push(reusable ? previous.state.services[index]! : planService(service, lookup));
  }
  const state = { services: planned.sort(byName) };
  return {
    state,
    from: new Map(services),
    at: new Map(state.services.map((s, i) => [s.name, i])),
  };
}
