/**
 * Test helpers for lbkit: an in-memory backend and the backend conformance suite
 * every backend runs (against its fake and against a real kernel).
 * @module @lbkit/core/testing
 */
export * from './conformance.js';
export * from './fake-backend.js';
export { expectGolden, UPDATING } from './golden-file.js';
export * from './name-server.js';
export * from './netns.js';
export {
  type ParsedFamily,
  type ParsedSample,
  parseExposition,
} from './parse-exposition.js';
export * from './planned-states.js';
export * from './scripted-probe.js';
export * from './timer-gaps.js';
