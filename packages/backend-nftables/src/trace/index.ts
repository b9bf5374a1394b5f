/**
 * Parser, state model and tracer for the nft dialect lbkit emits.
 * @module
 */
export { jhash, nftJhashSlot, reciprocalScale } from './jhash.js';
export { listRuleset } from './listing.js';
export {
  DIALECT_PAIRS,
  type NftElementText,
  type NftHookSpec,
  type NftObject,
  type NftVerb,
  type ParsedCommand,
  parseLine,
  parseScript,
} from './parse.js';
export {
  applyCommands,
  EMPTY_NFT_STATE,
  type NftChainState,
  type NftMapState,
  type NftState,
  type NftTableState,
} from './state.js';
export { type TracePacket, type TraceResult, trace, traceState } from './tracer.js';
