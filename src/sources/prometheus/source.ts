// MetricSource over the Prometheus HTTP API (also served by Thanos, Mimir/Cortex, VictoriaMetrics).

import type { Measurement } from '../../analysis/types.js';
import { promqlDialect } from './dialect.js';
import type { InstantQueryOptions, MetricSource, PrometheusSourceOptions } from '../types.js';
import { parseInstantAnswer, parseRangeAnswer, type ParsedAnswer } from './answer.js';
import { classifyHttpStatus } from './errors.js';
import { FanIn } from './fan-in.js';
import { createPrometheusHttp } from './http.js';
import { describeSource, redactSecrets, toSourceError, type SourceFailure } from './messages.js';

/** Epoch ms → the API's seconds, exact to the millisecond. */
function toApiSeconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/** How long an answer is reused for the same question (same query, same evaluation time). */
export const FAN_IN_KEEP_MS = 5_000;

/** The question's identity: API path and every parameter, exactly as sent. */
function questionKey(apiPath: string, params: Record<string, string>, expect: string): string {
  return `${apiPath}\u0000${expect}\u0000${Object.entries(params)
    .map(([name, value]) => `${name}=${value}`)
    .join('\u0000')}`;
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

  const alignment = options.queryAlignmentMs ?? 0;
  const align = (ms: number): number => (alignment > 0 ? Math.floor(ms / alignment) * alignment : ms);
  const fanIn = new FanIn({ keepMs: FAN_IN_KEEP_MS, now: options.monotonicNow ?? (() => performance.now()) }, () =>
    failed({ kind: 'timeout', detail: 'abandoned: the daemon is stopping' }),
  );

  async function askOnce(apiPath: string, params: Record<string, string>, parse: (body: string) => ParsedAnswer, signal: AbortSignal): Promise<Measurement> {
    const outcome = await http.postForm(apiPath, params, signal);
    if (!outcome.ok) return failed(outcome.failure);
    const { answer } = outcome;
    // Redacted whole, before any snippet of it is cut: an error page may echo the Authorization header.
    if (answer.status < 200 || answer.status >= 300) return failed(classifyHttpStatus({ ...answer, body: redactSecrets(answer.body, http.secrets) }));
    const parsed = parse(answer.body);
    return parsed.ok ? parsed.measurement : failed(parsed.failure);
  }

  function ask(
    apiPath: string,
    params: Record<string, string>,
    parse: (body: string) => ParsedAnswer,
    queryOptions?: InstantQueryOptions,
  ): Promise<Measurement> {
    const key = questionKey(apiPath, params, queryOptions?.expect ?? 'single');
    return fanIn.share(key, (signal) => askOnce(apiPath, params, parse, signal), queryOptions?.signal);
  }

  return {
    name: options.name,
    dialect: promqlDialect,

    instantQuery(query: string, atMs: number, queryOptions?: InstantQueryOptions): Promise<Measurement> {
      return ask('/api/v1/query', { query, time: toApiSeconds(align(atMs)) }, (body) => parseInstantAnswer(body, queryOptions), queryOptions);
    },

    rangeQuery(query: string, startMs: number, endMs: number, stepMs: number, queryOptions?: InstantQueryOptions): Promise<Measurement> {
      // The window keeps its length: both ends move back by the same amount.
      const shift = endMs - align(endMs);
      const params = { query, start: toApiSeconds(startMs - shift), end: toApiSeconds(endMs - shift), step: toApiSeconds(stepMs) };
      return ask('/api/v1/query_range', params, (body) => parseRangeAnswer(body, queryOptions), queryOptions);
    },

    async close(): Promise<void> {
      http.close();
    },
  };
}
