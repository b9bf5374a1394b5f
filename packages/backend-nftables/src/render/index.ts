/**
 * Pure rendering of a `DesiredState` into nft scripts (no I/O).
 * @module
 */
export * from '../names.js';
export { type ChangePlan, renderChangePlan, renderChanges } from './changes.js';
export { fnv1a32, type MaglevEntry, maglevTable } from './maglev.js';
export {
  DEFAULT_MH_TABLE_SIZE,
  isPrime,
  MAX_MH_TABLE_SIZE,
  type NftablesHooks,
  type NftablesRenderOptions,
  type ResolvedRenderOptions,
  resolveRenderOptions,
} from './options.js';
export { renderDeleteTable, renderRuleset } from './ruleset.js';
export type { RenderedElement, RenderedService } from './service.js';
export { type ElementOp, groupElements, renderElementOp } from './skeleton.js';
