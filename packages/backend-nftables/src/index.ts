/**
 * @lbkit/backend-nftables: keeps an nftables table in step with lbkit's desired
 * state: O(1) vmap dispatch, one atomic transaction per change, incremental
 * per-service updates, read-back through `nft -j list`.
 * @module @lbkit/backend-nftables
 */

export * from './backend/backend.js';
export type * from './backend/backend-types.js';
export { diffStates, driftBetween, type StateDelta, sameService } from './backend/state-diff.js';
export * from './command-writer.js';
export * from './read/nft-json.js';
export * from './read/parse-dnat.js';
export * from './read/parse-observed.js';
export * from './render/index.js';
export * from './trace/index.js';
export * from './transport/conntrack-tool.js';
export * from './transport/detect.js';
export * from './transport/libnftables.js';
export * from './transport/nfnetlink-batch.js';
export * from './transport/nft-cli.js';
export type { NftTransport } from './transport/transport.js';
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
