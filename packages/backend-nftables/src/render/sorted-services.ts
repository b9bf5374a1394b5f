/**
 * Service lists in name order, checked once: the backend's change walk
 * (`diffStates`) and the renderer both need `DesiredState` services sorted by
 * name, and a list found sorted (or sorted here) is remembered, so an apply
 * checks it once, not once per step. Lists are treated as immutable.
 * @module
 */
import type { DesiredService } from '@lbkit/core';

/** Orders services by name (code-unit order, like the rest of lbkit). */
export const byName = (a: DesiredService, b: DesiredService): number =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

/** Service lists known to be sorted by name (checked or sorted here before). */
const verifiedSorted = new WeakSet<readonly DesiredService[]>();

/**
 * `services` sorted by name: the array itself when it already is. `reference`
 * (a verified-sorted list, e.g. the previous state) lets the check skip
 * positions where both lists hold the same objects as their neighbours there:
 * their order is the reference's. Unchanged services shared between states
 * (immutable updates) thus cost a pointer comparison, not a string comparison.
 */
export function sortedByName(
  services: readonly DesiredService[],
  reference: readonly DesiredService[] = [],
): readonly DesiredService[] {
  if (verifiedSorted.has(services)) return services;
  const trusted = verifiedSorted.has(reference);
  for (let i = 1; i < services.length; i++) {
    const prev = services[i - 1]!;
    const cur = services[i]!;
    if (trusted && cur === reference[i] && prev === reference[i - 1]) continue;
    if (byName(prev, cur) > 0) {
      const sorted = [...services].sort(byName);
      verifiedSorted.add(sorted);
      return sorted;
    }
  }
  verifiedSorted.add(services);
  return services;
}
