/**
 * @lbkit/ha: a balancer pair. keepalived does VRRP (only: no virtual_server,
 * no checkers); lbkit renders its config from typed, validated options,
 * supervises it (or attaches to the operator's), listens to its notify FIFO
 * (`role` events) and tells it lbkit's own health (track_file, track_process);
 * with `conntrackd`, syncs the NAT flows to the peer and commits them on a
 * takeover, behind the takeover guard.
 * @module @lbkit/ha
 */
export { type EmptyServices, watchBalancer } from './balancer-watch.js';
export { loadHaConfigFile, MAX_HA_FILE_BYTES, parseHaConfig } from './config-file.js';
export {
  conntrackdArgv,
  conntrackdCommandArgv,
  nftScriptArgv,
  roleSteps,
  STEP_FLAGS,
  type SyncStep,
} from './conntrackd-argv.js';
export {
  CONNTRACKD_READY_MS,
  type CommandResult,
  type ConntrackdEvent,
  type ConntrackdState,
  type ConntrackdStatus,
  ConntrackdSupervisor,
} from './conntrackd-supervisor.js';
export { type HaError, type HaErrorKind, haError } from './errors.js';
export {
  FlowSync,
  type FlowSyncStatus,
  type GuardScripts,
  type SyncEvent,
} from './flow-sync.js';
export {
  type CreateHaOptions,
  createHa,
  type Ha,
  type HaEvents,
  type HaStatus,
  STOP_HANDOFF_MS,
} from './ha.js';
export {
  APPLY_FAILED,
  HealthReasons,
  STARTING,
  STOPPING,
  serviceEmpty,
  trackFileText,
} from './health.js';
export { configTestArgv, keepalivedArgv, removeAddressesCommand } from './keepalived-argv.js';
export { renderHaMetrics } from './metrics.js';
export { keepalivedNames } from './names.js';
export {
  isPriorityEvent,
  type NotifyLine,
  parseNotifyLine,
  type VrrpNotifyEvent,
  type VrrpState,
} from './notify-line.js';
export * from './options.js';
export { renderConntrackdConf } from './render-conntrackd.js';
export { renderKeepalivedConf, seconds } from './render-keepalived.js';
export { HA_ROLES, type HaRole, type InstanceStatus, type RoleEvent, RoleTracker } from './role.js';
export {
  type KeepalivedEvent,
  type KeepalivedState,
  type KeepalivedStatus,
  KeepalivedSupervisor,
  MAX_RESTART_DELAY_MS,
  STABLE_RUN_MS,
  type SupervisorHooks,
  WATCH_INTERVAL_MS,
} from './supervisor.js';
export { type ChildEvents, type ChildHandle, type HaSystem, nodeSystem } from './system.js';
export {
  HA_KEYS,
  isValidatedConfig,
  MAX_PEERS,
  MAX_VIPS,
  validateHaOptions,
} from './validate.js';
export { CONNTRACKD_KEYS, MAX_FLOW_FILTERS, MAX_SOCKET_PATH } from './validate-conntrackd.js';
