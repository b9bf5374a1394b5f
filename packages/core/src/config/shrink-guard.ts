/**
 * A guard for reloads: a config that removes most of what is running is more
 * often a truncated or half-written file than an intent. A daemon refuses
 * such a reload unless its operator allows it explicitly.
 */
import type { Service } from '../model.js';

/** Default share a reload may remove: half of the running services or destinations. */
export const DEFAULT_MAX_REMOVED_SHARE = 0.5;

const percent = (part: number, whole: number): string => `${Math.round((100 * part) / whole)}%`;

/**
 * Why going from `running` to `next` removes too much: more than
 * `maxRemovedShare` (0..1) of the running services, or of the running
 * destinations (by service and destination name; a service removed counts
 * all its destinations). `undefined` when the reload is within the share, or
 * when nothing runs yet.
 */
export function reloadShrinkProblem(
  running: readonly Service[],
  next: readonly Service[],
  maxRemovedShare: number = DEFAULT_MAX_REMOVED_SHARE,
): string | undefined {
  const after = new Map(next.map((s) => [s.name, new Set(s.destinations.map((d) => d.name))]));
  let removedServices = 0;
  let destinations = 0;
  let removedDestinations = 0;
  for (const service of running) {
    const kept = after.get(service.name);
    if (kept === undefined) removedServices++;
    for (const d of service.destinations) {
      destinations++;
      if (!kept?.has(d.name)) removedDestinations++;
    }
  }
  const services = running.length;
  const tooMany = (removed: number, whole: number) =>
    whole > 0 && removed > 0 && removed / whole > maxRemovedShare;
  if (!tooMany(removedServices, services) && !tooMany(removedDestinations, destinations)) {
    return undefined;
  }
  return (
    `it would remove ${removedServices} of ${services} services (${percent(removedServices, services)}) ` +
    `and ${removedDestinations} of ${destinations} destinations (${percent(removedDestinations, Math.max(destinations, 1))}), ` +
    `more than the ${percent(maxRemovedShare, 1)} a reload may remove`
  );
}
