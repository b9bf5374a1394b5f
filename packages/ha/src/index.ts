/**
 * @lbkit/ha: a balancer pair. keepalived does VRRP (only: no virtual_server,
 * no checkers); lbkit renders its config from typed, validated options,
 * supervises it (or attaches to the operator's), listens to its notify FIFO
 * (`role` events) and tells it lbkit's own health (track_file, track_process).
 * @module @lbkit/ha
 */
export { loadHaConfigFile, MAX_HA_FILE_BYTES, parseHaConfig } from './config-file.js';
export { keepalivedNames } from './names.js';
export * from './options.js';
export { renderKeepalivedConf, seconds } from './render-keepalived.js';
export { HA_KEYS, MAX_PEERS, MAX_VIPS, validateHaOptions } from './validate.js';
