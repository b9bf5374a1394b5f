/**
 * Which entries of a desired state changed since an earlier one, known
 * without comparing them: `replan()` records, on each state it makes with the
 * same services in the same order, the indices of the entries it replaced
 * since each of the last few states. A consumer that keeps the previous state
 * (the balancer's events, a backend's diff) then costs O(changed) per health
 * change instead of walking every service.
 *
 * The record is a hidden (non-enumerable) field of the state, like the
 * parsed addresses: equality, JSON and spreads do not see it. It is bounded:
 * a state refers to at most `MAX_ANCESTORS` earlier ones, and once a newer
 * state is derived from it, it forgets its own (so no chain of states stays
 * in memory). Measured: a WeakMap keyed by state made every young-generation
 * GC walk its entries (6 ms pauses every 50 flips at 10,000 services).
 * @module
 */
import type { DesiredState } from './desired.js';

/** An earlier state and the indices replaced since it (ascending). */
interface Ancestor {
  readonly state: DesiredState;
  readonly changed: readonly number[];
}

/** The hidden field: nearest ancestor first. */
const ANCESTORS = Symbol('lbkit.ancestors');

type Derived = DesiredState & { [ANCESTORS]?: Ancestor[] };

/** How many earlier states a state remembers (states planned but not applied yet). */
const MAX_ANCESTORS = 8;

/** `a` and `b` (ascending, without repeats) merged. */
function union(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    if (y === undefined || (x !== undefined && x < y)) {
      out.push(x!);
      i++;
    } else if (x === undefined || y < x) {
      out.push(y);
      j++;
    } else {
      out.push(x);
      i++;
      j++;
    }
  }
  return out;
}

/**
 * Records that `next` is `from` with the entries at `changed` (ascending)
 * replaced: same length, same names in the same order. `from` forgets its
 * own ancestors (it has a successor now). Called by `replan()`.
 */
export function recordDerivation(
  next: DesiredState,
  from: DesiredState,
  changed: readonly number[],
): void {
  const older = (from as Derived)[ANCESTORS] ?? [];
  const ancestors: Ancestor[] = [{ state: from, changed }];
  for (const a of older.slice(0, MAX_ANCESTORS - 1)) {
    ancestors.push({ state: a.state, changed: union(a.changed, changed) });
  }
  Object.defineProperty(next, ANCESTORS, { value: ancestors, enumerable: false });
  if (older.length > 0) older.length = 0;
}

/**
 * The indices (ascending) where `next.services` holds another object than
 * `previous.services`, when `next` was derived from `previous` by `replan()`
 * (directly or through up to 7 states in between; both then list the same
 * service names in the same order, and every other entry is the same
 * object). `undefined` when that is not known: compare the states instead.
 * Listed entries are replaced objects; their content may still be equal.
 */
export function changedEntries(
  previous: DesiredState,
  next: DesiredState,
): readonly number[] | undefined {
  if (previous === next) return [];
  for (const a of (next as Derived)[ANCESTORS] ?? []) {
    if (a.state === previous) return a.changed;
  }
  return undefined;
}
