// The plug-in contract of statistical judges. A judge turns the measurements of one metric
// (and, where it needs them, of other metrics such as an exposure count) into stats and evidence.

import type { CompiledJudgeConfig, JudgeEvidence, Measurement, MetricResult, MetricSpec } from '../analysis/types.js';

export type { CompiledJudgeConfig } from '../analysis/types.js';

/** How the runner must query a judged metric for each variant. */
export type QueryShape =
  | { kind: 'single' } // one number (scalar or one-element vector)
  | { kind: 'vector' } // all series, e.g. histogram buckets by `le`
  | { kind: 'range'; stepMs: number }; // samples over the window

/** Which window the runner renders into {{ window }} for this metric. */
export type WindowMode =
  | 'template' // the template's window: lookback, or the time since the step began
  | 'step'; // always the time since the current step began (sequential judges accumulate per step)

export interface JudgeConfigProblem {
  /** Path inside the judge object, e.g. ['alpha']. */
  path: Array<string | number>;
  message: string;
}

export interface VariantMeasurements {
  baseline: Measurement;
  canary: Measurement;
}

export interface JudgeContext {
  /** Measurements of every metric of this tick, by metric name (for exposure metrics and the like). */
  measurements: ReadonlyMap<string, VariantMeasurements>;
  /** The current step (0-based); a judge whose counts restart with each step notices the change here. */
  stepIndex: number;
  /** Milliseconds since the current step began, and the tick interval. */
  stepElapsedMs: number;
  intervalMs: number;
  /**
   * What this judge returned as memory on its previous tick of the analysis (steps do not reset
   * it); undefined on the analysis' first judgement.
   */
  memory: unknown;
  /**
   * The baseline's history before the analysis started, by metric name, when the judge asked for it
   * (`history`): per-interval increments as range samples (or a matrix for vector-shaped metrics).
   * Given only on the first judgement (memory undefined).
   */
  history?: ReadonlyMap<string, Measurement>;
}

/** The pre-period a judge learns from: these metrics' baseline queries over windowMs before the analysis started. */
export interface HistoryRequest {
  metrics: string[];
  windowMs: number;
}

export interface JudgeOutcome {
  /** Stats merged into the MetricResult: baseline, canary, delta, change, ratio as the judge sees them. */
  stats: Partial<Pick<MetricResult, 'baseline' | 'canary' | 'delta' | 'change' | 'ratio' | 'missing' | 'error' | 'message'>>;
  evidence: JudgeEvidence;
  /** Carried to the next tick of the same step (e.g. the running minimum of an anytime-valid p-value). JSON-serialisable. */
  memory?: unknown;
}

/** Config: what compile() makes of a judge block, handed back to judge() at every tick. */
export interface MetricJudge<Config = unknown> {
  readonly type: string;
  /**
   * Validates the judge block of a template; metricNames lets a judge check references such as
   * `exposure`, and selfName is the judged metric's own name (a metric cannot be its own exposure).
   */
  validate(judge: Record<string, unknown>, metricNames: readonly string[], selfName: string): JudgeConfigProblem[];
  queryShape(judge: Record<string, unknown>): QueryShape;
  windowMode: WindowMode;
  /** The history this judge wants before its first judgement, or null (selfName: the judged metric). */
  history?(judge: Record<string, unknown>, selfName: string): HistoryRequest | null;
  /**
   * Compiles a judge block once, when the template is loaded (selfName: the judged metric). Never
   * throws: a block that does not fit compiles to its problems, which judge() then reports.
   */
  compile(judge: Record<string, unknown>, selfName: string): CompiledJudgeConfig<Config>;
  /**
   * Pure; never throws for data that does not fit: returns stats.error with a clear message instead.
   * `compiled` is compile()'s result for spec.judge (the engine passes the template's); without it
   * the judge compiles spec.judge itself.
   */
  judge(spec: MetricSpec, own: VariantMeasurements, context: JudgeContext, compiled?: CompiledJudgeConfig<Config>): JudgeOutcome;
}
