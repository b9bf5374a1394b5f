/**
 * @lbkit/backend-nftables: keeps an nftables table in step with lbkit's desired
 * state: O(1) vmap dispatch, one atomic transaction per change, incremental
 * per-service updates, drift repair, read-back.
 *
 * What a user composes: the backend (`createNftablesBackend`), the transports
 * it can be given (netlink by default, the nft text ones, `withFallback`),
 * the pure renderer and the packet tracer for offline tests, and the types of
 * all of them. In-memory `FakeNft` and fixtures: `@lbkit/backend-nftables/testing`.
 * @module @lbkit/backend-nftables
 */

export { createNftablesBackend, DEFAULT_DRIFT_CHECK_INTERVAL } from './backend/backend.js';
export type {
  DestinationStats,
  NftablesApplyReport,
  NftablesBackend,
  NftablesBackendOptions,
  NftablesStats,
  ServiceStats,
} from './backend/backend-types.js';
export { DEFAULT_TABLE, TABLE_COMMENT } from './names.js';
export { renderChanges } from './render/changes.js';
export type {
  ChainDecl,
  ChainHook,
  ElementOp,
  ElementPart,
  NftCommand,
  RenderedElement,
  RuleSpec,
  Selector,
  SetDecl,
  Verdict,
} from './render/commands.js';
export type { NftablesHooks, NftablesRenderOptions } from './render/options.js';
export { printCommands } from './render/print.js';
export { renderRuleset } from './render/ruleset.js';
export {
  renderTakeoverGuard,
  type TakeoverGuardOptions,
  type TakeoverGuardScripts,
} from './render/takeover-guard.js';
export { rememberClient } from './trace/state.js';
export { type TracePacket, type TraceResult, trace, traceState } from './trace/tracer.js';
export {
  createDefaultTransport,
  type DefaultTransportOptions,
} from './transport/default-transport.js';
export { withFallback } from './transport/fallback.js';
export type { LibnftablesOptions } from './transport/libnftables.js';
export { createNetlinkTransport, type NetlinkTransportOptions } from './transport/netlink.js';
export type { NftCliOptions } from './transport/nft-cli.js';
export {
  createLibnftablesTransport,
  createNftCliTransport,
  type TextTransportPlace,
} from './transport/text-transport.js';
export type {
  NftTransport,
  StaleUdpFlows,
  TableComparison,
  TableProbe,
  WriteReport,
} from './transport/transport.js';
