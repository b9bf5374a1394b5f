/**
 * @lbkit/backend-ipvs: IPVS over generic netlink for lbkit.
 *
 * What a user composes: the backend (`createIpvsBackend`) with where it keeps
 * ownership, the client it can be given (`createIpvsClient`), the pure
 * `diff()` of two IPVS states into ordered idempotent operations (and the
 * mapping of a desired state onto IPVS) for offline checks, and the types of
 * all of them. In-memory IPVS and kernel fakes: `@lbkit/backend-ipvs/testing`.
 * @module @lbkit/backend-ipvs
 */

export { type CheckVipsOptions, checkVipsLocal } from './backend/check-vips.js';
export {
  type DestinationState,
  diff,
  formatOp,
  type IpvsOp,
  type IpvsSnapshot,
  type ServiceState,
} from './backend/diff.js';
export {
  createIpvsBackend,
  DEFAULT_IPVS_DRIFT_CHECK_INTERVAL,
  type IpvsBackendOptions,
} from './backend/ipvs-backend.js';
export { IPVS_SCHEDULERS, type MappingOptions, toIpvsSnapshot } from './backend/map-desired.js';
export {
  createFileOwnershipStore,
  createMemoryOwnershipStore,
  defaultStateFile,
  type OwnershipRecord,
  type OwnershipStore,
} from './backend/ownership.js';
export type { IpvsClient, IpvsError } from './client/client.js';
export { createIpvsClient, type IpvsClientOptions } from './client/netlink-client.js';
export type { SyncDaemonOptions } from './client/sync-daemons.js';
export {
  type AddressServiceId,
  type DestinationConfig,
  type DestinationId,
  type Family,
  type ForwardMethod,
  type FwmarkServiceId,
  formatDestinationId,
  formatServiceId,
  type IpvsDestination,
  type IpvsInfo,
  type IpvsProtocol,
  type IpvsService,
  type IpvsStats,
  type ServiceConfig,
  type ServiceFlag,
  type ServiceId,
  type SyncDaemon,
  type SyncDaemonState,
  type TunnelConfig,
} from './client/types.js';
