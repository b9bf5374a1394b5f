/**
 * Test helpers of @lbkit/ha: the renderer's golden cases.
 * @module @lbkit/ha/testing
 */
export { CONF_CASES, type ConfCase } from './conf-cases.js';
