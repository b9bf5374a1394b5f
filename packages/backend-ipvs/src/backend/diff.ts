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

/** Orders text keys as the op order does (plain code-unit order). */
const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Entries of `map` sorted by key. */
const sortedEntries = <V>(map: ReadonlyMap<string, V>): [string, V][] =>
  [...map].sort((a, b) => byText(a[0], b[0]));

/** A service's destinations by `formatDestinationId` (a later duplicate wins). */
const destinationsByKey = (s: ServiceState): Map<string, DestinationState> => {
  const out = new Map<string, DestinationState>();
  for (const d of s.destinations) out.set(formatDestinationId(d.id), d);
  return out;
};

/** The ops of one service that is not the same object in both snapshots, into `phases`. */
function diffService(
  existing: ServiceState | undefined,
  target: ServiceState,
  phases: IpvsOp[][],
): void {
  const name = withName(target.name);
  const service = target.id;
  if (!existing) {
    phases[PHASE['create-service']]!.push({
      op: 'create-service',
      service,
      config: target.config,
      ...name,
    });
  } else if (!sameServiceConfig(existing.config, target.config)) {
    phases[PHASE['update-service']]!.push({
      op: 'update-service',
      service,
      config: target.config,
      ...name,
    });
  }
  const before = existing ? destinationsByKey(existing) : undefined;
  const after = destinationsByKey(target);
  for (const [dkey, d] of sortedEntries(after)) {
    const old = before?.get(dkey);
    const { id: destination, config } = d;
    if (!old) {
      phases[PHASE['create-destination']]!.push({
        op: 'create-destination',
        service,
        destination,
        config,
        ...name,
      });
    } else if (!sameDestinationConfig(old.config, config)) {
      phases[PHASE['update-destination']]!.push({
        op: 'update-destination',
        service,
        destination,
        config,
        ...name,
      });
    }
  }
  if (!before) return;
  for (const [dkey, d] of sortedEntries(before)) {
    if (!after.has(dkey)) {
      phases[PHASE['remove-destination']]!.push({
        op: 'remove-destination',
        service,
        destination: d.id,
        ...name,
      });
    }
  }
}

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
  const have = new Map<string, ServiceState>();
  for (const s of current.services) have.set(serviceKey(s.id), s);
  const want = new Map<string, ServiceState>();
  const changed = new Map<string, ServiceState>();
  for (const s of desired.services) {
    const key = serviceKey(s.id);
    want.set(key, s);
    if (have.get(key) === s) changed.delete(key);
    else changed.set(key, s);
  }
  const phases: IpvsOp[][] = [[], [], [], [], [], []];
  // Service by service in id order, each one's ops in destination order: the phases come out sorted.
  for (const [key, target] of sortedEntries(changed)) diffService(have.get(key), target, phases);
  const gone = new Map<string, ServiceState>();
  for (const [key, s] of have) if (!want.has(key)) gone.set(key, s);
  for (const [, s] of sortedEntries(gone)) {
    phases[PHASE['remove-service']]!.push({
      op: 'remove-service',
      service: s.id,
      ...withName(s.name),
    });
  }
  return phases.flat();
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
