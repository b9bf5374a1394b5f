/**
 * Config loaders: the `nft_lb.py` rules format and a structured JSON/YAML
 * config, both returning validated services or every issue with `file:line`.
 * @module
 */
export {
  CONFIG_KEYS,
  type ConfigOptions,
  type ForwardingSupport,
  parseConfig,
} from './json-config.js';
export {
  type ConfigFormat,
  DEFAULT_MAX_CONFIG_BYTES,
  formatOf,
  type LoadConfigOptions,
  loadConfigFile,
} from './load-config-file.js';
export { parseRulesFile, RULES_FIELDS, type RulesFileOptions, splitLines } from './rules-file.js';
export { DEFAULT_MAX_REMOVED_SHARE, reloadShrinkProblem } from './shrink-guard.js';
export { MAX_ALIASES, parseYamlSource, type YamlSource } from './yaml-source.js';
