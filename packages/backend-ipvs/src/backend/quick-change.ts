/**
 * A health change without walking every service: when the desired state was
 * derived from the last applied one by core's `replan()` (`changedEntries`),
 * only its replaced entries are mapped and diffed. Pure.
 * @module
 */
import { type BackendError, changedEntries, type DesiredState } from '@lbkit/core';
import type { Result } from 'neverthrow';
import { diff, type IpvsOp, type IpvsSnapshot, type ServiceState } from './diff.js';
import { serviceKey } from './service-key.js';

/** The last successful apply: what was asked, and what it mapped to (same order). */
export interface LastApplied {
  readonly desired: DesiredState;
  readonly want: IpvsSnapshot;
}

/** The ops of a quick change and the snapshot after it. */
export interface QuickChange {
  readonly ops: IpvsOp[];
  /** `last.want` with the replaced entries swapped in. */
  readonly want: IpvsSnapshot;
  /** The services whose entries were replaced, as they are now. */
  readonly replaced: readonly ServiceState[];
}

/**
 * The change from `last` to `desired` through the replaced entries only, or
 * `undefined` when the full path must run: `desired` not derived from
 * `last.desired`, an entry that now maps to another IPVS service (the set of
 * services, ownership and VIPs would change), or an entry that does not map
 * (the full path reports why).
 */
export function quickChange(
  last: LastApplied,
  desired: DesiredState,
  map: (state: DesiredState) => Result<IpvsSnapshot, BackendError>,
): QuickChange | undefined {
  const indices = changedEntries(last.desired, desired);
  if (indices === undefined) return undefined;
  const entries = indices.map((i) => desired.services[i]!);
  const mapped = map({ services: entries });
  if (mapped.isErr()) return undefined;
  const before = indices.map((i) => last.want.services[i]!);
  const after = mapped.value.services;
  if (after.some((s, k) => serviceKey(s.id) !== serviceKey(before[k]!.id))) return undefined;
  const services = last.want.services.slice();
  for (const [k, i] of indices.entries()) services[i] = after[k]!;
  return {
    ops: diff({ services: before }, { services: after }),
    want: { services },
    replaced: after,
  };
}
