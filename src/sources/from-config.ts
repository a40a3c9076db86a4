// The daemon config's source entry → the options of the source it names.

import type { SourceConfig } from '../config/schema.js';
import { createPrometheusSource } from './prometheus/source.js';
import type { MetricSource, PrometheusSourceOptions } from './types.js';

export function prometheusOptionsFromConfig(config: SourceConfig): PrometheusSourceOptions {
  return {
    name: config.name,
    url: config.url,
    timeoutMs: config.timeoutMs,
    headers: config.headers,
    ...(config.bearerToken !== undefined ? { bearerToken: config.bearerToken } : {}),
    ...(config.basicAuth ? { basicAuth: config.basicAuth } : {}),
    ...(config.tls
      ? { tls: { insecureSkipVerify: config.tls.insecureSkipVerify, ...(config.tls.ca !== undefined ? { ca: config.tls.ca } : {}) } }
      : {}),
  };
}

export function createSourcesFromConfig(sources: Record<string, SourceConfig>): Map<string, MetricSource> {
  return new Map(Object.entries(sources).map(([name, config]) => [name, createPrometheusSource(prometheusOptionsFromConfig(config))]));
}
