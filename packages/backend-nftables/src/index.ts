/**
 * @lbkit/backend-nftables: keeps an nftables table in step with lbkit's desired
 * state: O(1) vmap dispatch, one atomic transaction per change, incremental
 * per-service updates, drift repair, read-back.
 * @module @lbkit/backend-nftables
 */

export * from './backend/backend.js';
export type * from './backend/backend-types.js';
export { diffStates, driftBetween, type StateDelta, sameService } from './backend/state-diff.js';
export * from './read/nft-json.js';
export * from './read/parse-dnat.js';
export * from './read/parse-observed.js';
export * from './render/index.js';
export * from './trace/index.js';
export * from './transport/default-transport.js';
export * from './transport/fallback.js';
export * from './transport/netlink.js';
export * from './transport/text-transport.js';
export type * from './transport/transport.js';
export {
  type EncodeBatchOptions,
  encodeBatch,
  type NftBatch,
} from './wire/nft-batch-encode.js';
export {
  type ElementField,
  type ElementLayout,
  elementLayout,
} from './wire/nft-element-encode.js';
export { describeBatch } from './wire/nl-describe.js';
