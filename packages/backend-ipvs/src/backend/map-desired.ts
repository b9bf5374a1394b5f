import {
  type BackendError,
  backendError,
  type DesiredService,
  type DesiredState,
  parsedAddressOf,
  type Scheduler,
} from '@lbkit/core';
import { err, ok, type Result } from 'neverthrow';
import type {
  AddressServiceId,
  DestinationConfig,
  ForwardMethod,
  ServiceConfig,
  ServiceFlag,
} from '../client/types.js';
import type { IpvsSnapshot, ServiceState } from './diff.js';

/** Core schedulers IPVS honours directly (`random` has no IPVS module). */
export const IPVS_SCHEDULERS: readonly Scheduler[] = ['rr', 'wrr', 'sh', 'mh', 'lc', 'wlc'];

/** Options that shape how a core `DesiredState` becomes IPVS services (see `IpvsBackendOptions`). */
export interface MappingOptions {
  /** Forwarding method for every destination. Default `masquerade` (NAT). */
  readonly forward?: ForwardMethod;
  /** Per-service forwarding method by lbkit service name; overrides `forward`. */
  readonly forwardByService?: Readonly<Record<string, ForwardMethod>>;
  /** Flags for `sh` / `mh` (ipvsadm `-b sh-fallback,sh-port`). Default none. */
  readonly hashFlags?: { readonly fallback?: boolean; readonly port?: boolean };
  /** Upper / lower connection thresholds for every destination. Default 0 / 0 (none). */
  readonly thresholds?: { readonly upper?: number; readonly lower?: number };
  /** Persistence netmask prefix when `persistence > 0`. Default 32 (IPv4) / 128 (IPv6). */
  readonly persistenceNetmask?: { readonly v4?: number; readonly v6?: number };
  /**
   * What to do with a weight-0 (drained) destination: `keep` it with weight 0
   * (existing connections continue; keepalived's `inhibit_on_failure`) or
   * `remove` it from IPVS. Default `keep`.
   */
  readonly zeroWeight?: 'keep' | 'remove';
}

/** The model's forwarding methods as IPVS names them (`nat` = masquerade). */
const IPVS_FORWARD = { nat: 'masquerade', route: 'route', tunnel: 'tunnel' } as const;

/**
 * A service's IPVS forwarding method: `forwardByService`, else the service's
 * own `forward` (the model's, from the config), else `options.forward`, else NAT.
 */
function forwardOf(s: DesiredService, options: MappingOptions): ForwardMethod {
  const own = s.forward === undefined ? undefined : IPVS_FORWARD[s.forward];
  return options.forwardByService?.[s.name] ?? own ?? options.forward ?? 'masquerade';
}

/** The IPVS identity of a core service key (its VIP parsed once, by the validators). */
export function serviceIdOf(service: DesiredService): AddressServiceId | undefined {
  const vip = parsedAddressOf(service.key.vip, service.parsedVip);
  if (!vip) return undefined;
  return {
    family: vip.family,
    protocol: service.key.protocol,
    address: vip.canonical,
    parsed: vip,
    port: service.key.port,
  };
}

function serviceConfig(
  service: DesiredService,
  family: 4 | 6,
  options: MappingOptions,
): ServiceConfig {
  const flags: ServiceFlag[] = [];
  if (service.scheduler === 'sh' || service.scheduler === 'mh') {
    if (options.hashFlags?.fallback) flags.push('sched-1');
    if (options.hashFlags?.port) flags.push('sched-2');
  }
  if (service.persistence > 0) flags.unshift('persistent');
  const netmask =
    family === 6 ? (options.persistenceNetmask?.v6 ?? 128) : (options.persistenceNetmask?.v4 ?? 32);
  return { scheduler: service.scheduler, flags, timeout: service.persistence, netmask };
}

/**
 * Maps a core desired state to the IPVS services it means. Fails before
 * anything is applied: `unsupported` for a scheduler IPVS lacks (`random`),
 * `rejected` for a destination of another family than its VIP. With `cache`
 * (one per set of `options`), a desired service mapped before is handed back
 * as the same `ServiceState` object, so the diff skips it by identity.
 */
export function toIpvsSnapshot(
  desired: DesiredState,
  options: MappingOptions = {},
  cache?: WeakMap<DesiredService, ServiceState>,
): Result<IpvsSnapshot, BackendError> {
  const services: ServiceState[] = [];
  for (const s of desired.services) {
    const known = cache?.get(s);
    if (known) {
      services.push(known);
      continue;
    }
    if (!IPVS_SCHEDULERS.includes(s.scheduler)) {
      return err(
        backendError(
          'unsupported',
          `service ${s.name}: scheduler ${s.scheduler} has no IPVS equivalent`,
        ),
      );
    }
    const id = serviceIdOf(s);
    if (!id) return err(backendError('rejected', `service ${s.name}: invalid VIP`));
    const forward = forwardOf(s, options);
    const destinations = [];
    for (const d of s.destinations) {
      if (d.weight === 0 && options.zeroWeight === 'remove') continue;
      const address = parsedAddressOf(d.address, d.parsed);
      if (address?.family !== id.family) {
        return err(
          backendError(
            'rejected',
            `service ${s.name}: destination ${d.name} is not IPv${id.family}`,
          ),
        );
      }
      const config: DestinationConfig = {
        forward,
        weight: d.weight,
        upperThreshold: options.thresholds?.upper ?? 0,
        lowerThreshold: options.thresholds?.lower ?? 0,
      };
      const dest = { family: id.family, address: address.canonical, parsed: address, port: d.port };
      destinations.push({ id: dest, config });
    }
    const state = { id, config: serviceConfig(s, id.family, options), destinations, name: s.name };
    cache?.set(s, state);
    services.push(state);
  }
  return ok({ services });
}
