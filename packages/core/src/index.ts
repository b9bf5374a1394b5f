/**
 * @lbkit/core: the model, validation, health engine, pure `plan()`, reconciler,
 * typed events, config loaders and the Backend/Probe interfaces.
 * @module @lbkit/core
 */
export * from './address.js';
export * from './backend.js';
export * from './balancer.js';
export * from './balancer-types.js';
export * from './config/index.js';
export * from './desired.js';
export * from './events.js';
export * from './health/index.js';
export * from './model.js';
export * from './plan.js';
export * from './probe.js';
export * from './reconciler.js';
export * from './service-key.js';
export * from './validate/index.js';
