import {
  type DestinationConfig,
  type DestinationId,
  formatDestinationId,
  formatServiceId,
  type ServiceConfig,
  type ServiceId,
} from '../client/types.js';
import { DEFAULT_TUNNEL } from '../codec/destination.js';
import { encodeFlags } from '../codec/flags.js';
import { serviceKey } from './service-key.js';

/** A destination as the diff sees it: identity and configuration. */
export interface DestinationState {
  readonly id: DestinationId;
  readonly config: DestinationConfig;
}

/** A service as the diff sees it. `name` (lbkit's service name) is carried for reports. */
export interface ServiceState {
  readonly id: ServiceId;
  readonly config: ServiceConfig;
  readonly destinations: readonly DestinationState[];
  readonly name?: string;
}

/** A set of services (what IPVS has, or should have). */
export interface IpvsSnapshot {
  readonly services: readonly ServiceState[];
}

/** One IPVS change: a single netlink request. */
export type IpvsOp =
  | {
      readonly op: 'create-service';
      readonly service: ServiceId;
      readonly config: ServiceConfig;
      readonly name?: string;
    }
  | {
      readonly op: 'update-service';
      readonly service: ServiceId;
      readonly config: ServiceConfig;
      readonly name?: string;
    }
  | { readonly op: 'remove-service'; readonly service: ServiceId; readonly name?: string }
  | {
      readonly op: 'create-destination';
      readonly service: ServiceId;
      readonly destination: DestinationId;
      readonly config: DestinationConfig;
      readonly name?: string;
    }
  | {
      readonly op: 'update-destination';
      readonly service: ServiceId;
      readonly destination: DestinationId;
      readonly config: DestinationConfig;
      readonly name?: string;
    }
  | {
      readonly op: 'remove-destination';
      readonly service: ServiceId;
      readonly destination: DestinationId;
      readonly name?: string;
    };

/** Phase of each op kind: creations first, then updates, removals last. */
const PHASE: Readonly<Record<IpvsOp['op'], number>> = {
  'create-service': 0,
  'create-destination': 1,
  'update-service': 2,
  'update-destination': 3,
  'remove-destination': 4,
  'remove-service': 5,
};

/** True when two service configurations are the same to the kernel (flag order ignored). */
export const sameServiceConfig = (a: ServiceConfig, b: ServiceConfig): boolean =>
  a.scheduler === b.scheduler &&
  a.timeout === b.timeout &&
  a.netmask === b.netmask &&
  (a.persistenceEngine ?? '') === (b.persistenceEngine ?? '') &&
  encodeFlags(a.flags) === encodeFlags(b.flags);

/** True when two destination configurations are the same to the kernel. */
export function sameDestinationConfig(a: DestinationConfig, b: DestinationConfig): boolean {
  if (
    a.forward !== b.forward ||
    a.weight !== b.weight ||
    a.upperThreshold !== b.upperThreshold ||
    a.lowerThreshold !== b.lowerThreshold
  ) {
    return false;
  }
  if (a.forward !== 'tunnel') return true;
  const ta = a.tunnel ?? DEFAULT_TUNNEL;
  const tb = b.tunnel ?? DEFAULT_TUNNEL;
  return ta.type === tb.type && ta.port === tb.port && ta.flags === tb.flags;
}

const withName = (name: string | undefined) => (name === undefined ? {} : { name });

/**
 * Pure: the IPVS operations that turn `current` into `desired`, ordered so that
 * traffic always has somewhere to go: create services, create destinations,
 * update services, update destinations, remove destinations, remove services.
 * Within a phase, ops are sorted by service and destination id. A removed
 * service's destinations go with it (no per-destination removals). Applying the
 * result and diffing again yields `[]`. Snapshots are immutable: a service that
 * is the same object in both (kept by identity between applies) is equal and
 * skipped without comparing, so an apply that changes one service of many
 * costs a pointer compare for each of the others.
 */
export function diff(current: IpvsSnapshot, desired: IpvsSnapshot): IpvsOp[] {
  const ops: IpvsOp[] = [];
  const have = new Map(current.services.map((s) => [serviceKey(s.id), s]));
  const want = new Map(desired.services.map((s) => [serviceKey(s.id), s]));
  for (const [key, target] of want) {
    const existing = have.get(key);
    if (existing === target) continue;
    const name = withName(target.name);
    if (!existing) {
      ops.push({ op: 'create-service', service: target.id, config: target.config, ...name });
    } else if (!sameServiceConfig(existing.config, target.config)) {
      ops.push({ op: 'update-service', service: target.id, config: target.config, ...name });
    }
    const before = new Map(
      (existing?.destinations ?? []).map((d) => [formatDestinationId(d.id), d]),
    );
    const after = new Map(target.destinations.map((d) => [formatDestinationId(d.id), d]));
    for (const [dkey, d] of after) {
      const old = before.get(dkey);
      if (!old) {
        ops.push({
          op: 'create-destination',
          service: target.id,
          destination: d.id,
          config: d.config,
          ...name,
        });
      } else if (!sameDestinationConfig(old.config, d.config)) {
        ops.push({
          op: 'update-destination',
          service: target.id,
          destination: d.id,
          config: d.config,
          ...name,
        });
      }
    }
    for (const [dkey, d] of before) {
      if (!after.has(dkey))
        ops.push({ op: 'remove-destination', service: target.id, destination: d.id, ...name });
    }
  }
  for (const [key, existing] of have) {
    if (!want.has(key))
      ops.push({ op: 'remove-service', service: existing.id, ...withName(existing.name) });
  }
  const sortKey = (op: IpvsOp): string =>
    `${formatServiceId(op.service)} ${'destination' in op ? formatDestinationId(op.destination) : ''}`;
  return ops
    .map((op, i) => ({ op, i, k: sortKey(op) }))
    .sort((a, b) => PHASE[a.op.op] - PHASE[b.op.op] || (a.k < b.k ? -1 : a.k > b.k ? 1 : a.i - b.i))
    .map((x) => x.op);
}

/** One-line text of an op for reports: `create-destination tcp/192.0.2.10:80 198.51.100.1:80 w1`. */
export function formatOp(op: IpvsOp): string {
  const parts: string[] = [op.op, formatServiceId(op.service)];
  if ('destination' in op) parts.push(formatDestinationId(op.destination));
  if ('config' in op && 'weight' in op.config) parts.push(`w${op.config.weight}`);
  if ('config' in op && 'scheduler' in op.config) parts.push(op.config.scheduler);
  return parts.join(' ');
}

/** Applies ops to a snapshot in memory (for tests: `apply(current, diff(current, d)) == d`). */
export function applyOps(snapshot: IpvsSnapshot, ops: readonly IpvsOp[]): IpvsSnapshot {
  const services = new Map(
    snapshot.services.map((s) => [
      formatServiceId(s.id),
      { ...s, destinations: [...s.destinations] },
    ]),
  );
  for (const op of ops) {
    const key = formatServiceId(op.service);
    const s = services.get(key);
    switch (op.op) {
      case 'create-service':
        services.set(key, {
          id: op.service,
          config: op.config,
          destinations: [],
          ...withName(op.name),
        });
        break;
      case 'update-service':
        if (s) services.set(key, { ...s, config: op.config });
        break;
      case 'remove-service':
        services.delete(key);
        break;
      case 'create-destination':
      case 'update-destination':
        if (s) {
          const rest = s.destinations.filter(
            (d) => formatDestinationId(d.id) !== formatDestinationId(op.destination),
          );
          services.set(key, {
            ...s,
            destinations: [...rest, { id: op.destination, config: op.config }],
          });
        }
        break;
      case 'remove-destination':
        if (s) {
          const rest = s.destinations.filter(
            (d) => formatDestinationId(d.id) !== formatDestinationId(op.destination),
          );
          services.set(key, { ...s, destinations: rest });
        }
        break;
    }
  }
  return { services: [...services.values()] };
}
