/**
 * Config loaders: the `nft_lb.py` rules format and a structured JSON/YAML
 * config, both returning validated services or every issue with `file:line`.
 * @module
 */
export { parseRulesFile, RULES_FIELDS, type RulesFileOptions } from './rules-file.js';
