/**
 * @lbkit/core: the model, validation, health engine, pure `plan()`, reconciler,
 * typed events, config loaders and the Backend/Probe interfaces.
 *
 * What a user composes: the balancer (`createBalancer`) and its reconciler,
 * the config loaders and validators, `plan()`, the address parser, and the
 * types backends and probes implement. Health-engine and event internals stay
 * internal. Fakes and the conformance suite: `@lbkit/core/testing`.
 * @module @lbkit/core
 */
export {
  formatIpv4,
  formatIpv6,
  type ParsedAddress,
  parseAddress,
  parsedAddressOf,
  parseIpv4,
  parseIpv6,
  withParsedAddress,
} from './address.js';
export * from './backend.js';
export * from './balancer.js';
export * from './balancer-types.js';
export { type CompanionOptions, withCompanion } from './companion-backend.js';
export * from './config/index.js';
export * from './desired.js';
export { type EventMap, type Listener, TypedEmitter } from './events.js';
export type { AgentState } from './health/agent-state.js';
export type { HealthEngineEvents } from './health/engine.js';
export { MAX_IDENTITY_CHARS, MAX_MESSAGE_CHARS, safeText } from './health/safe-text.js';
export type * from './health/types.js';
export {
  type BalancerMetrics,
  type BalancerMetricsOptions,
  createBalancerMetrics,
  DEFAULT_DURATION_BUCKETS,
  type FlowCounts,
  PROMETHEUS_CONTENT_TYPE,
} from './metrics/index.js';
export * from './model.js';
export { type Planned, plan, planFull, replan, type StatusLookup } from './plan.js';
export * from './probe.js';
export type { QuorumStatus } from './quorum.js';
export * from './reconciler.js';
export { formatServiceKey } from './service-key.js';
export { changedEntries } from './state-derivation.js';
export * from './validate/index.js';
