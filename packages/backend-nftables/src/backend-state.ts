/**
 * Pure helpers of the nftables backend: which services changed between two
 * desired states, which UDP flows became stale, and whether a read-back
 * matches what was applied (drift). No I/O.
 * @module
 */
import {
  type DesiredService,
  type DesiredState,
  formatServiceKey,
  type ObservedState,
} from '@lbkit/core';
import type { StaleUdpFlows } from './conntrack.js';

const serviceText = (s: DesiredService): string => JSON.stringify(s);

/**
 * Names of services that differ between `previous` and `next` (added, removed
 * or changed in any field), sorted. `previous` undefined = everything in `next`.
 */
export function changedServices(previous: DesiredState | undefined, next: DesiredState): string[] {
  const before = new Map((previous?.services ?? []).map((s) => [s.name, serviceText(s)]));
  const changed = new Set<string>();
  for (const s of next.services) {
    if (before.get(s.name) !== serviceText(s)) changed.add(s.name);
    before.delete(s.name);
  }
  for (const name of before.keys()) changed.add(name);
  return [...changed].sort();
}

const serving = (s: DesiredService) => s.destinations.filter((d) => d.weight > 0);

/**
 * UDP flows to delete after moving from `previous` to `next`: for each UDP
 * service key, every destination (address:port) that served in `previous`
 * and no longer serves in `next` (removed, drained, or the service is gone).
 */
export function staleUdpFlows(
  previous: DesiredState | undefined,
  next: DesiredState,
): StaleUdpFlows[] {
  if (!previous) return [];
  const nextByKey = new Map(next.services.map((s) => [formatServiceKey(s.key), s]));
  const stale: StaleUdpFlows[] = [];
  for (const before of previous.services) {
    if (before.key.protocol !== 'udp') continue;
    const after = nextByKey.get(formatServiceKey(before.key));
    const still = new Set((after ? serving(after) : []).map((d) => `${d.address}|${d.port}`));
    for (const d of serving(before)) {
      if (!still.has(`${d.address}|${d.port}`)) {
        stale.push({ service: before.key, address: d.address, port: d.port });
      }
    }
  }
  return stale;
}

/**
 * Canonical lines of a desired state as the reader can see it: per service key
 * either its serving destinations or `(empty <verdict>)`.
 */
export function desiredLines(desired: DesiredState): string[] {
  return desired.services
    .flatMap((s) => {
      const id = formatServiceKey(s.key);
      const kept = serving(s);
      if (kept.length === 0) return [`${id} (empty ${s.whenEmpty})`];
      return kept.map((d) => `${id} -> ${d.address}:${d.port}`);
    })
    .sort();
}

/** Canonical lines of an observed state, comparable with `desiredLines`. */
export function observedLines(observed: ObservedState): string[] {
  return observed.services
    .flatMap((s) => {
      const id = formatServiceKey(s.key);
      const kept = s.destinations.filter((d) => d.weight > 0);
      if (kept.length === 0) return [`${id} (empty ${s.whenEmpty ?? 'none'})`];
      return [...new Set(kept.map((d) => `${id} -> ${d.address}:${d.port}`))];
    })
    .sort();
}

/**
 * Differences between what was applied and what the kernel shows: lines only
 * in one of them, prefixed `-` (missing from the kernel) or `+` (unexpected).
 * Empty = no drift.
 */
export function driftBetween(applied: DesiredState, observed: ObservedState): string[] {
  const want = desiredLines(applied);
  const have = observedLines(observed);
  const haveSet = new Set(have);
  const wantSet = new Set(want);
  return [
    ...want.filter((l) => !haveSet.has(l)).map((l) => `- ${l}`),
    ...have.filter((l) => !wantSet.has(l)).map((l) => `+ ${l}`),
  ];
}

/** Number of nft commands in a script (non-empty lines that are not comments or braces). */
export function countOperations(script: string): number {
  let n = 0;
  for (const raw of script.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line === '}') continue;
    n++;
  }
  return n;
}
