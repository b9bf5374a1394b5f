/**
 * Test helpers of @lbkit/ha: the renderer's golden cases, an in-memory
 * `HaSystem` (files, FIFOs, processes, a manual clock), and the pair lab
 * (two balancers, a client, servers, bridges in network namespaces).
 * @module @lbkit/ha/testing
 */
export { CONF_CASES, type ConfCase } from './conf-cases.js';
export { type FakeProcess, FakeSystem } from './fake-system.js';
export {
  createPairLab,
  PAIR,
  PAIR_NODES,
  PairLab,
  type PairLabOptions,
  type PairNode,
} from './pair-lab.js';
