/**
 * Per-service quorum with a sorry server (keepalived's `quorum` and
 * `sorry_server`). The quorum is the least total weight of live
 * destinations (health up, admin enabled; with the default weight 1 it is a
 * count) the service needs to serve normally. Below it, every destination
 * keeps weight 0 (established flows continue, no new ones) and new flows go
 * to the sorry destination alone, or, without one, get the service's
 * `whenEmpty` verdict. A sorry destination without `quorum` works as
 * keepalived's with its default quorum 1: it serves while no destination is
 * live. The sorry destination is not health-checked (keepalived does not
 * check it either). Pure: no clock, no I/O.
 * @module
 */
import { withParsedAddress } from './address.js';
import type { DestinationStatus } from './balancer-types.js';
import type { DesiredDestination, DesiredService, DesiredState } from './desired.js';
import type { Service } from './model.js';
import { changedEntries } from './state-derivation.js';

/** Where a service stands against its quorum (in `DesiredService.quorumStatus`). */
export interface QuorumStatus {
  /** Total weight of the live destinations. */
  readonly live: number;
  /** The quorum: `service.quorum`, or 1 when only a sorry destination is set. */
  readonly required: number;
  /** `live >= required`: served normally. */
  readonly met: boolean;
}

type Lookup = (service: string, destination: string) => DestinationStatus | undefined;

/** The quorum a service asks for; undefined = no quorum logic at all. */
export const requiredQuorum = (service: Service): number | undefined =>
  service.quorum ?? (service.sorry ? 1 : undefined);

/** The quorum status of `service`, or undefined when it has neither `quorum` nor `sorry`. */
export function quorumOf(service: Service, lookup: Lookup): QuorumStatus | undefined {
  const required = requiredQuorum(service);
  if (required === undefined) return undefined;
  let live = 0;
  for (const d of service.destinations) {
    const status = lookup(service.name, d.name);
    if (status?.health === 'up' && status.admin === 'enabled') live += d.weight;
  }
  return { live, required, met: live >= required };
}

/**
 * The destinations a planned service gets once its quorum is applied, and
 * the status to record: unchanged when the quorum is met (or not set);
 * below it, every planned destination at weight 0 plus the sorry
 * destination (if any).
 */
export function applyQuorum(
  service: Service,
  planned: readonly DesiredDestination[],
  lookup: Lookup,
): { destinations: readonly DesiredDestination[]; quorum?: QuorumStatus } {
  const quorum = quorumOf(service, lookup);
  if (quorum === undefined) return { destinations: planned };
  if (quorum.met) return { destinations: planned, quorum };
  const held = planned.map((d) =>
    d.weight === 0 ? d : withParsedAddress({ ...d, weight: 0 }, 'parsed', d.parsed),
  );
  const sorry = service.sorry;
  if (sorry === undefined) return { destinations: held, quorum };
  const backup = withParsedAddress(
    { name: sorry.name, address: sorry.address, port: sorry.port, weight: sorry.weight || 1 },
    'parsed',
    sorry.parsed,
  );
  return { destinations: [...held, backup], quorum };
}

/** A quorum change between two applied states. */
export interface QuorumTransition {
  readonly service: string;
  readonly met: boolean;
  readonly live: number;
  readonly required: number;
}

/**
 * The quorum changes from `previous` to `next`: only services present in
 * both, with a quorum in both, whose `met` flipped. Entries that are the same
 * objects cost a pointer comparison; when `next` was derived from `previous`
 * (`changedEntries`), only the replaced ones are looked at.
 */
export function quorumTransitions(
  previous: DesiredState | undefined,
  next: DesiredState,
): QuorumTransition[] {
  if (!previous) return [];
  const out: QuorumTransition[] = [];
  const flip = (before: DesiredService | undefined, after: DesiredService) => {
    const was = before?.quorumStatus;
    const now = after.quorumStatus;
    if (!was || !now || was.met === now.met) return;
    const { met, live, required } = now;
    out.push({ service: after.name, met, live, required });
  };
  const a = previous.services;
  const b = next.services;
  const known = changedEntries(previous, next);
  if (known) {
    for (const i of known) flip(a[i], b[i]!);
    return out;
  }
  if (a.length === b.length && a.every((s, i) => s.name === b[i]!.name)) {
    for (let i = 0; i < b.length; i++) if (a[i] !== b[i]) flip(a[i], b[i]!);
    return out;
  }
  const before = new Map(a.map((s) => [s.name, s]));
  for (const s of b) flip(before.get(s.name), s);
  return out;
}
