/**
 * Test helpers of @lbkit/ha: the renderer's golden cases and an in-memory
 * `HaSystem` (files, FIFOs, processes, a manual clock).
 * @module @lbkit/ha/testing
 */
export { CONF_CASES, type ConfCase } from './conf-cases.js';
export { type FakeProcess, FakeSystem } from './fake-system.js';
