/**
 * @lbkit/backend-nftables: keeps an nftables table in step with lbkit's desired
 * state: O(1) vmap dispatch, one atomic transaction per change, incremental
 * per-service updates, read-back through `nft -j list`.
 * @module @lbkit/backend-nftables
 */

export * from './backend.js';
export { diffStates, driftBetween, type StateDelta, sameService } from './backend-state.js';
export type * from './backend-types.js';
export * from './command-writer.js';
export * from './conntrack.js';
export * from './read/nft-json.js';
export * from './read/parse-dnat.js';
export * from './read/parse-observed.js';
export * from './render/index.js';
export * from './trace/index.js';
export * from './transport/detect.js';
export * from './transport/libnftables.js';
export * from './transport/nfnetlink-batch.js';
export {
  type EncodeBatchOptions,
  encodeBatch,
  type NftBatch,
} from './transport/nft-batch-encode.js';
export * from './transport/nft-cli.js';
export {
  type ElementField,
  type ElementLayout,
  elementLayout,
} from './transport/nft-element-encode.js';
export { describeBatch } from './transport/nl-describe.js';
export type { NftTransport } from './transport/transport.js';
