/**
 * @lbkit/ha: a balancer pair. keepalived does VRRP (only: no virtual_server,
 * no checkers); lbkit renders its config from typed, validated options,
 * supervises it (or attaches to the operator's), listens to its notify FIFO
 * (`role` events) and tells it lbkit's own health (track_file, track_process);
 * with `conntrackd`, syncs the NAT flows to the peer and commits them on a
 * takeover, behind the takeover guard.
 * @module @lbkit/ha
 */
export type { EmptyServices } from './balancer-watch.js';
export { loadHaConfigFile, MAX_HA_FILE_BYTES, parseHaConfig } from './config-file.js';
export type { SyncStep } from './conntrackd-argv.js';
export type {
  CommandResult,
  ConntrackdEvent,
  ConntrackdState,
  ConntrackdStatus,
} from './conntrackd-supervisor.js';
export type { HaError, HaErrorKind } from './errors.js';
export type { FlowSyncStatus, GuardScripts, SyncEvent } from './flow-sync.js';
export { type CreateHaOptions, createHa, type Ha, type HaEvents, type HaStatus } from './ha.js';
export { trackFileText } from './health.js';
export { renderHaMetrics } from './metrics.js';
export type { NotifyLine, VrrpNotifyEvent, VrrpState } from './notify-line.js';
export * from './options.js';
export { renderConntrackdConf } from './render-conntrackd.js';
export { renderKeepalivedConf } from './render-keepalived.js';
export { HA_ROLES, type HaRole, type InstanceStatus, type RoleEvent } from './role.js';
export type {
  KeepalivedEvent,
  KeepalivedState,
  KeepalivedStatus,
  SupervisorHooks,
} from './supervisor.js';
export type { ChildEvents, ChildHandle, HaSystem } from './system.js';
export { validateHaOptions } from './validate.js';
