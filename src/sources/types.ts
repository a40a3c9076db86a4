// The edge between the pure core and metric back ends. Implementations never throw for a failure
// of the back end: they answer a Measurement of kind 'error' (or 'missing' when there is no data).

import type { Measurement } from '../analysis/types.js';
import type { QueryDialect } from '../template/dialect.js';

export interface InstantQueryOptions {
  /**
   * single: a scalar or a one-element vector → {kind:'value'}; several series are an error.
   * vector: every series → {kind:'vector'}.
   */
  expect: 'single' | 'vector';
  /** Abandons the query (the daemon is stopping): the answer is an error Measurement, at once. */
  signal?: AbortSignal;
}

export interface MetricSource {
  readonly name: string;
  /** The query language its queries are rendered in (escaping of arguments); absent: PromQL. */
  readonly dialect?: QueryDialect;
  /** Evaluates `query` at `atMs` (epoch ms). Default expectation: 'single'. */
  instantQuery(query: string, atMs: number, options?: InstantQueryOptions): Promise<Measurement>;
  /**
   * Evaluates `query` over [startMs, endMs] every stepMs. single (default): one series →
   * {kind:'samples'}, several are an error; vector: every series → {kind:'matrix'}.
   */
  rangeQuery(query: string, startMs: number, endMs: number, stepMs: number, options?: InstantQueryOptions): Promise<Measurement>;
  /** Releases pooled connections. */
  close?(): Promise<void>;
}

export interface PrometheusSourceOptions {
  name: string;
  /** Base URL of the HTTP API, with its path prefix if any, e.g. http://host/prometheus. */
  url: string;
  timeoutMs: number;
  bearerToken?: string;
  basicAuth?: { username: string; password: string };
  /** Extra request headers, e.g. X-Scope-OrgID for Mimir/Cortex tenants. */
  headers?: Record<string, string>;
  /** Verification is on by default; `ca` is PEM text (not a path). */
  tls?: { insecureSkipVerify?: boolean; ca?: string };
  /**
   * Rounds evaluation times down to a multiple of this (ms), so analyses that tick within the same
   * window ask the same question and share one request (fan-in). Absent: exact to the millisecond.
   */
  queryAlignmentMs?: number;
  /** Monotonic ms for how long a shared answer is kept (default performance.now). */
  monotonicNow?: () => number;
}
