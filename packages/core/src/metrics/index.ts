/**
 * `@baton/core/metrics`: Prometheus metrics of a `LeaderElection` through prom-client, an optional peer
 * dependency that only this entry point loads. One call, `registerBatonMetrics(election, { registry })`,
 * registers them.
 *
 * @packageDocumentation
 */
export {
  BATON_METRICS,
  type BatonMetricDefinition,
  type BatonMetricType,
  DEFAULT_ROUND_TRIP_BUCKETS,
} from './definitions.js';
export {
  type BatonMetrics,
  type BatonMetricsOptions,
  defaultRegistry,
  registerBatonMetrics,
} from './register.js';
