/**
 * Pure rendering of a `DesiredState` into nft commands and scripts (no I/O).
 * @module
 */
export * from '../names.js';
export {
  type ChangePlan,
  renderChangeCommands,
  renderChangePlan,
  renderChanges,
} from './changes.js';
export * from './commands.js';
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
export { commandText, elementOpText, printCommands, ruleText } from './print.js';
export { renderDeleteTable, renderRuleset, renderRulesetCommands } from './ruleset.js';
export type { RenderedService } from './service.js';
