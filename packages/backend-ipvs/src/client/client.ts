import type { NetlinkError } from '@lbkit/netlink';
import type { Result, ResultAsync } from 'neverthrow';
import type {
  DestinationConfig,
  DestinationId,
  IpvsDestination,
  IpvsInfo,
  IpvsService,
  ServiceConfig,
  ServiceId,
  SyncDaemon,
  SyncDaemonState,
} from './types.js';

/**
 * Why an IPVS call failed. Kernel-like kinds: `exists` (EEXIST: create of a
 * present service/destination), `not-found` (ESRCH: no such service; ENOENT: no
 * such destination or scheduler module), `invalid`, `permission`,
 * `unavailable` (no IPVS in this kernel/namespace), `timeout`, `io`, `parse`, `closed`.
 */
export type IpvsError = NetlinkError;

/** One change for `IpvsClient.changeAll`: the arguments of the matching single call. */
export type IpvsChange =
  | { readonly op: 'create-service'; readonly service: ServiceId; readonly config: ServiceConfig }
  | { readonly op: 'update-service'; readonly service: ServiceId; readonly config: ServiceConfig }
  | { readonly op: 'remove-service'; readonly service: ServiceId }
  | {
      readonly op: 'create-destination';
      readonly service: ServiceId;
      readonly destination: DestinationId;
      readonly config: DestinationConfig;
    }
  | {
      readonly op: 'update-destination';
      readonly service: ServiceId;
      readonly destination: DestinationId;
      readonly config: DestinationConfig;
    }
  | {
      readonly op: 'remove-destination';
      readonly service: ServiceId;
      readonly destination: DestinationId;
    };

/**
 * A mockable IPVS client in the style of cloudflare/ipvs. Implementations: the
 * generic netlink client (`createIpvsClient`) and `FakeIpvs` (in memory).
 * Every call is one kernel request (`changeAll`: one per change, many per
 * socket write); none is retried.
 */
export interface IpvsClient {
  /** IPVS version and connection table size. */
  info(): ResultAsync<IpvsInfo, IpvsError>;
  /** Every virtual service in the namespace (a netlink dump). */
  services(): ResultAsync<IpvsService[], IpvsError>;
  /** Adds a service. `exists` when it is already there; `not-found` for an unknown scheduler. */
  createService(id: ServiceId, config: ServiceConfig): ResultAsync<void, IpvsError>;
  /** Changes a service's scheduler, flags, persistence. `not-found` when absent. */
  updateService(id: ServiceId, config: ServiceConfig): ResultAsync<void, IpvsError>;
  /** Removes a service with its destinations. `not-found` when absent. */
  removeService(id: ServiceId): ResultAsync<void, IpvsError>;
  /** The destinations of a service (a netlink dump). `not-found` when the service is absent. */
  destinations(service: ServiceId): ResultAsync<IpvsDestination[], IpvsError>;
  /** Adds a destination. `exists` when present, `not-found` when the service is absent. */
  createDestination(
    service: ServiceId,
    id: DestinationId,
    config: DestinationConfig,
  ): ResultAsync<void, IpvsError>;
  /** Changes a destination's weight, forwarding, thresholds. `not-found` when absent. */
  updateDestination(
    service: ServiceId,
    id: DestinationId,
    config: DestinationConfig,
  ): ResultAsync<void, IpvsError>;
  /** Removes a destination. `not-found` when absent. */
  removeDestination(service: ServiceId, id: DestinationId): ResultAsync<void, IpvsError>;
  /**
   * Runs every change in order, as the single calls would, with many requests
   * per socket write (the kernel runs them one after another). Each change
   * gets its own answer: a failure does not stop the changes after it, and a
   * closed client answers each with `closed` (the whole call does not fail).
   */
  changeAll(changes: readonly IpvsChange[]): ResultAsync<Result<void, IpvsError>[], IpvsError>;
  /** Removes every service in the namespace (IPVS_CMD_FLUSH): also ones lbkit does not own. */
  flush(): ResultAsync<void, IpvsError>;
  /** The running connection sync daemons (IPVS_CMD_GET_DAEMON, a dump): none, master, backup or both. */
  syncDaemons(): ResultAsync<SyncDaemon[], IpvsError>;
  /**
   * Starts a sync daemon (IPVS_CMD_NEW_DAEMON; `ipvsadm --start-daemon`).
   * `exists` when one of that state runs; `invalid` for a bad interface or id;
   * `not-found` when the interface does not exist.
   */
  startSyncDaemon(
    daemon: Pick<SyncDaemon, 'state' | 'interface' | 'syncId'>,
  ): ResultAsync<void, IpvsError>;
  /** Stops the sync daemon of `state` (IPVS_CMD_DEL_DAEMON). `not-found` when none runs. */
  stopSyncDaemon(state: SyncDaemonState): ResultAsync<void, IpvsError>;
  /** Releases the socket. Later calls fail with `closed`. Safe to call twice. */
  close(): void;
}
