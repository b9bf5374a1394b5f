import { withParsedAddress } from './address.js';
import type { DestinationStatus } from './balancer-types.js';
import type { DesiredDestination, DesiredService, DesiredState } from './desired.js';
import type { Destination, Service } from './model.js';

/** Looks up the status of a destination; `undefined` = not known (treated as unknown/enabled). */
export type StatusLookup = (service: string, destination: string) => DestinationStatus | undefined;

const UNKNOWN: DestinationStatus = { health: 'unknown', admin: 'enabled' };

/**
 * The weight a destination gets in the desired state, or `undefined` when it
 * must not be there at all.
 * - disabled by the operator: absent;
 * - drained by the operator: weight 0 (kept, no new flows);
 * - health up: its configured weight;
 * - health down or unknown: absent, or weight 0 when the service's
 *   `downAction` is `drain` (existing connections continue).
 */
export function effectiveWeight(
  service: Service,
  destination: Destination,
  status: DestinationStatus,
): number | undefined {
  if (status.admin === 'disabled') return undefined;
  if (status.health !== 'up') return service.downAction === 'drain' ? 0 : undefined;
  if (status.admin === 'drained') return 0;
  return destination.weight;
}

const byName = <T extends { readonly name: string }>(a: T, b: T): number =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

function planService(service: Service, lookup: StatusLookup): DesiredService {
  const destinations: DesiredDestination[] = [];
  for (const d of service.destinations) {
    const weight = effectiveWeight(service, d, lookup(service.name, d.name) ?? UNKNOWN);
    if (weight === undefined) continue;
    destinations.push(
      withParsedAddress(
        { name: d.name, address: d.address, port: d.port, weight },
        'parsed',
        d.parsed,
      ),
    );
  }
  return withParsedAddress(
    {
      name: service.name,
      key: service.key,
      scheduler: service.scheduler,
      whenEmpty: service.whenEmpty,
      persistence: service.persistence,
      destinations: destinations.sort(byName),
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
