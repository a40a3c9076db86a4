export type { InstantQueryOptions, MetricSource, PrometheusSourceOptions } from './types.js';
export { createPrometheusSource } from './prometheus/source.js';
export { SourceConfigError } from './prometheus/http.js';
