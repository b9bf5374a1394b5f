/**
 * Prometheus metrics of a balancer (`createBalancerMetrics`), in the text
 * exposition format 0.0.4.
 * @module
 */
export {
  type BalancerMetrics,
  type BalancerMetricsOptions,
  createBalancerMetrics,
  type FlowCounts,
} from './balancer-metrics.js';
export { PROMETHEUS_CONTENT_TYPE } from './exposition.js';
export { DEFAULT_DURATION_BUCKETS } from './histogram.js';
