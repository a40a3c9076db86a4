// MetricSource over the Prometheus HTTP API (also served by Thanos, Mimir/Cortex, VictoriaMetrics).

import type { Measurement } from '../../analysis/types.js';
import type { InstantQueryOptions, MetricSource, PrometheusSourceOptions } from '../types.js';
import { parseInstantAnswer, parseRangeAnswer, type ParsedAnswer } from './answer.js';
import { classifyHttpStatus } from './errors.js';
import { createPrometheusHttp } from './http.js';
import { describeSource, redactSecrets, toSourceError, type SourceFailure } from './messages.js';

/** Epoch ms → the API's seconds, exact to the millisecond. */
function toApiSeconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/**
 * Throws SourceConfigError for an unusable configuration (bad URL, timeout ≤ 0);
 * its queries never throw for a failure of the source.
 */
export function createPrometheusSource(options: PrometheusSourceOptions): MetricSource {
  const http = createPrometheusHttp(options);
  const source = describeSource(options.name, options.url);

  function failed(failure: SourceFailure): Measurement {
    return { kind: 'error', error: toSourceError(source, failure, http.secrets) };
  }

  async function ask(apiPath: string, params: Record<string, string>, parse: (body: string) => ParsedAnswer): Promise<Measurement> {
    const outcome = await http.postForm(apiPath, params);
    if (!outcome.ok) return failed(outcome.failure);
    const { answer } = outcome;
    // Redacted whole, before any snippet of it is cut: an error page may echo the Authorization header.
    if (answer.status < 200 || answer.status >= 300) return failed(classifyHttpStatus({ ...answer, body: redactSecrets(answer.body, http.secrets) }));
    const parsed = parse(answer.body);
    return parsed.ok ? parsed.measurement : failed(parsed.failure);
  }

  return {
    name: options.name,

    instantQuery(query: string, atMs: number, queryOptions?: InstantQueryOptions): Promise<Measurement> {
      return ask('/api/v1/query', { query, time: toApiSeconds(atMs) }, (body) => parseInstantAnswer(body, queryOptions));
    },

    rangeQuery(query: string, startMs: number, endMs: number, stepMs: number, queryOptions?: InstantQueryOptions): Promise<Measurement> {
      const params = { query, start: toApiSeconds(startMs), end: toApiSeconds(endMs), step: toApiSeconds(stepMs) };
      return ask('/api/v1/query_range', params, (body) => parseRangeAnswer(body, queryOptions));
    },

    async close(): Promise<void> {
      http.close();
    },
  };
}
