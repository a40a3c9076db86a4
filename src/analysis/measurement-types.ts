// What sources and judges produce for one metric at one tick: measurements, judge evidence, metric results.
// Re-exported by types.ts, the one import of the core's plain data.

export type SourceErrorKind = 'unreachable' | 'timeout' | 'rejected-query' | 'server-error' | 'malformed-answer' | 'several-series' | 'auth';

export interface SourceError {
  kind: SourceErrorKind;
  /** Human readable, names the source and what it answered; never contains secrets. */
  message: string;
}

export interface Series {
  labels: Record<string, string>;
  value: number;
}

/** One series of a range query, its samples sorted by time. */
export interface RangeSeries {
  labels: Record<string, string>;
  samples: Array<{ at: number; value: number }>;
}

/** What one query for one variant produced. Failures are data, never exceptions. */
export type Measurement =
  | { kind: 'value'; value: number }
  | { kind: 'vector'; series: Series[] }
  | { kind: 'samples'; samples: Array<{ at: number; value: number }> }
  | { kind: 'matrix'; series: RangeSeries[] }
  | { kind: 'missing'; reason: string }
  | { kind: 'error'; error: SourceError };

export interface RenderedQueries {
  baseline: string;
  canary: string;
}

/** Evidence from a statistical judge; free-form numbers so each judge can say what it computed. */
export interface JudgeEvidence {
  judge: string;
  regressed: boolean | null;
  improved: boolean | null;
  pValue: number | null;
  details: Record<string, number | string | boolean | null | number[]>;
}

export interface MetricResult {
  name: string;
  baseline: number | null;
  canary: number | null;
  delta: number | null;
  change: number | null;
  ratio: number | null;
  missing: boolean;
  error: boolean;
  /** Why the metric is missing or errored, for people. */
  message?: string;
  regressed?: boolean | null;
  improved?: boolean | null;
  p_value?: number | null;
  judge?: JudgeEvidence;
  queries: RenderedQueries;
}
