/**
 * @lbkit/backend-ipvs: IPVS over generic netlink. A small netlink layer (koffi
 * over libc), encode/decode pairs for every IPVS wire struct, a mockable
 * `IpvsClient`, a pure `diff()` into ordered idempotent operations, and
 * `createIpvsBackend()` implementing lbkit's `Backend`.
 * @module @lbkit/backend-ipvs
 */

export * from './backend/diff.js';
export * from './backend/ipvs-backend.js';
export * from './backend/map-desired.js';
export * from './backend/ownership.js';
export * from './client/client.js';
export * from './client/netlink-client.js';
export * from './client/types.js';
export * from './codec/address.js';
export * from './codec/destination.js';
export * from './codec/flags.js';
export * from './codec/info.js';
export * from './codec/request.js';
export * from './codec/service.js';
export * from './codec/stats.js';
export * as uapi from './uapi.js';
