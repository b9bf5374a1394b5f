/**
 * Pure helpers of the nftables backend: which services changed between two
 * desired states, which UDP flows became stale, and whether a read-back
 * matches what was applied (drift). No I/O.
 * @module
 */
import {
  changedEntries,
  type DesiredService,
  type DesiredState,
  formatServiceKey,
  type ObservedState,
} from '@lbkit/core';
import { byName, sortedByName } from '../render/sorted-services.js';
import type { StaleUdpFlows } from '../transport/transport.js';

const sameDestinations = (
  a: DesiredService['destinations'],
  b: DesiredService['destinations'],
): boolean =>
  a === b ||
  (a.length === b.length &&
    a.every((d, i) => {
      const e = b[i]!;
      return (
        d.name === e.name && d.address === e.address && d.port === e.port && d.weight === e.weight
      );
    }));

/** True when two desired services render the same (field by field, no serialisation). */
export const sameService = (a: DesiredService, b: DesiredService): boolean =>
  a === b ||
  (a.name === b.name &&
    a.key.vip === b.key.vip &&
    a.key.port === b.key.port &&
    a.key.protocol === b.key.protocol &&
    a.scheduler === b.scheduler &&
    a.whenEmpty === b.whenEmpty &&
    a.persistence === b.persistence &&
    sameDestinations(a.destinations, b.destinations));

/** The part of a change that matters: only services added, removed or changed. */
export interface StateDelta {
  /** Services of `previous` that were removed or changed. */
  readonly previous: DesiredState;
  /** Services of `next` that were added or changed. */
  readonly next: DesiredState;
  /** Their names, sorted. */
  readonly changed: readonly string[];
}

/**
 * Splits a change into the services it touches with one merge walk over both
 * name-sorted lists (O(N) cheap comparisons, no maps, no serialisation), so
 * that rendering and applying cost only what changed. Services that are the
 * same objects in both states cost a pointer comparison each. States are
 * treated as immutable (as `DesiredState` is readonly): an array or service
 * changed in place after an apply is not noticed. `previous` undefined =
 * everything in `next` is new.
 */
export function diffStates(previous: DesiredState | undefined, next: DesiredState): StateDelta {
  const known = previous && changedEntries(previous, next);
  if (known) return diffEntries(previous, next, known);
  const a = sortedByName(previous?.services ?? []);
  const b = sortedByName(next.services, a);
  const gone: DesiredService[] = [];
  const come: DesiredService[] = [];
  const changed: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    if (x !== undefined && x === y) {
      // The same object in both states: unchanged, no comparison needed.
      i++;
      j++;
      continue;
    }
    const order = x === undefined ? 1 : y === undefined ? -1 : byName(x, y);
    if (order < 0) {
      gone.push(x!);
      changed.push(x!.name);
      i++;
    } else if (order > 0) {
      come.push(y!);
      changed.push(y!.name);
      j++;
    } else {
      if (!sameService(x!, y!)) {
        gone.push(x!);
        come.push(y!);
        changed.push(y!.name);
      }
      i++;
      j++;
    }
  }
  return { previous: { services: gone }, next: { services: come }, changed };
}

/**
 * `diffStates` when `next` is `previous` with the entries at `indices`
 * replaced (`changedEntries`): O(changed), names and order the same.
 */
function diffEntries(
  previous: DesiredState,
  next: DesiredState,
  indices: readonly number[],
): StateDelta {
  const gone: DesiredService[] = [];
  const come: DesiredService[] = [];
  const changed: string[] = [];
  for (const i of indices) {
    const x = previous.services[i]!;
    const y = next.services[i]!;
    if (sameService(x, y)) continue;
    gone.push(x);
    come.push(y);
    changed.push(y.name);
  }
  return { previous: { services: gone }, next: { services: come }, changed };
}

/**
 * Names of services that differ between `previous` and `next` (added, removed
 * or changed in any field), sorted. `previous` undefined = everything in `next`.
 */
export const changedServices = (
  previous: DesiredState | undefined,
  next: DesiredState,
): string[] => [...diffStates(previous, next).changed];

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
