// Gate metrics: what canaryd measured and decided, exported so dashboards and alerts can see it
// (Argo Rollouts and Flagger export neither measured values nor the rule that fired).
import { Readable } from 'node:stream';
import type { Registry } from 'prom-client';

import type { MetricResult, Phase, SourceErrorKind, StepAction, TickVerdict, Variant } from '../analysis/types.js';
import { AnalysisSeries, type DesiredSeries } from './analysis-series.js';
import { analysisFamiliesOf, defineGateMetrics, type GateMetricSet } from './metric-definitions.js';

// A type alias (not an interface) so it is assignable to a plain label record.
export type AnalysisLabels = {
  analysis: string;
  template: string;
  service: string;
  environment: string;
};

export type AnalysisMode = 'drive' | 'observe';
export type QueryOutcome = 'ok' | 'missing' | SourceErrorKind;
export type AdapterAction = StepAction['type'];
export type AdapterCallOutcome = 'success' | 'retry' | 'failure';
/** A decision that changed an analysis; `complete` is a promote from the last step. */
export type DecisionVerdict = 'abort' | 'promote' | 'pause' | 'resume' | 'complete';

export interface AnalysisGaugeState {
  phase: Phase;
  step: number;
  weight: number;
}

/**
 * How long the daemon should keep the series of an ended analysis before calling
 * forgetAnalysis: long enough for a few scrapes and a look at the dashboard, short enough
 * that ended analyses do not pile up.
 */
export const METRICS_RETENTION_MS = 15 * 60 * 1000;

const PHASE_SET: Record<Phase, true> = {
  pending: true,
  running: true,
  paused: true,
  'awaiting-approval': true,
  succeeded: true,
  aborted: true,
  failed: true,
};
export const PHASES = Object.keys(PHASE_SET) as Phase[];

const VARIANTS: readonly Variant[] = ['baseline', 'canary'];

export interface GateMetrics {
  /** Info, phase (all six), step and weight of one analysis; call it on every state change. */
  recordAnalysis(info: AnalysisLabels & { version: string; mode: AnalysisMode }, state: AnalysisGaugeState): void;
  /**
   * Counts the tick verdict by rule and sets the baseline/canary values, regressed and p-value of
   * each metric in it. A metric missing or errored loses its value series until it is measured
   * again; a verdict without metrics (a manual action) leaves the metric series as they are.
   */
  recordVerdict(labels: AnalysisLabels, verdict: TickVerdict): void;
  recordDecision(template: string, verdict: DecisionVerdict, rule: string): void;
  recordQuery(source: string, outcome: QueryOutcome, seconds: number): void;
  recordAdapterCall(adapter: string, action: AdapterAction, outcome: AdapterCallOutcome): void;
  /** A tick that started early has lag 0. */
  recordTick(template: string, durationSeconds: number, lagSeconds: number): void;
  /** Phases missing from `counts` are set to 0. */
  setPhaseCounts(counts: Partial<Record<Phase, number>>): void;
  /** Removes every series carrying this analysis label; returns how many series were removed. */
  forgetAnalysis(analysisId: string): number;
  /** Analyses that currently have series (for the daemon's retention sweep and for tests). */
  trackedAnalyses(): string[];
}

export function createGateMetrics(registry: Registry): GateMetrics {
  const metrics = defineGateMetrics(registry);
  const series = new AnalysisSeries();
  for (const phase of PHASES) metrics.analyses.set({ phase }, 0);
  return new PromGateMetrics(metrics, series);
}

/** The registry's metrics, then the per-analysis families (pre-rendered lines, see exposition-family.ts). */
async function* exposition(registry: Registry): AsyncGenerator<string> {
  yield await registry.metrics();
  for (const family of analysisFamiliesOf(registry)) {
    yield '\n';
    yield* family.pieces();
  }
}

export async function renderMetrics(registry: Registry): Promise<{ contentType: string; body: string }> {
  const parts: string[] = [];
  for await (const piece of exposition(registry)) parts.push(piece);
  return { contentType: registry.contentType, body: parts.join('') };
}

/** The same text as a stream of pieces: a scrape at 10 000 analyses (25 MB) never blocks the event loop for long. */
export function streamMetrics(registry: Registry): { contentType: string; body: Readable } {
  return { contentType: registry.contentType, body: Readable.from(exposition(registry), { objectMode: false }) };
}

class PromGateMetrics implements GateMetrics {
  /** What recordAnalysis last wrote per analysis: a tick that changes none of it writes nothing. */
  private readonly recordedStates = new Map<string, string>();

  constructor(
    private readonly metrics: GateMetricSet,
    private readonly series: AnalysisSeries,
  ) {}

  recordAnalysis(info: AnalysisLabels & { version: string; mode: AnalysisMode }, state: AnalysisGaugeState): void {
    const id = info.analysis;
    const recorded = [info.template, info.service, info.environment, info.version, info.mode, state.phase, state.step, state.weight].join('\u0000');
    if (this.recordedStates.get(id) === recorded) return;
    this.recordedStates.set(id, recorded);
    const base = baseLabels(info);
    this.series.sync(id, this.metrics.analysisInfo, [{ labels: { ...base, version: info.version, mode: info.mode }, value: 1 }]);
    this.series.sync(
      id,
      this.metrics.analysisPhase,
      PHASES.map((phase) => ({ labels: { ...base, phase }, value: phase === state.phase ? 1 : 0 })),
    );
    this.series.sync(id, this.metrics.analysisStep, [{ labels: base, value: state.step }]);
    this.series.sync(id, this.metrics.analysisWeight, [{ labels: base, value: state.weight }]);
  }

  recordVerdict(labels: AnalysisLabels, verdict: TickVerdict): void {
    const base = baseLabels(labels);
    const id = labels.analysis;
    const verdictLabels = { ...base, verdict: verdict.action, rule: verdict.rule?.id ?? 'none' };
    this.series.track(id, this.metrics.verdicts, this.metrics.verdicts.inc(verdictLabels));
    if (verdict.metrics.length === 0) return;

    const values: DesiredSeries[] = [];
    const regressed: DesiredSeries[] = [];
    const pValues: DesiredSeries[] = [];
    for (const result of verdict.metrics) {
      const metricLabels = { ...base, metric: result.name };
      for (const variant of VARIANTS) {
        const value = measuredValue(result, variant);
        if (value !== null) values.push({ labels: { ...metricLabels, variant }, value });
      }
      const judgedRegressed = result.regressed ?? result.judge?.regressed ?? null;
      if (judgedRegressed !== null) regressed.push({ labels: metricLabels, value: judgedRegressed ? 1 : 0 });
      const pValue = result.p_value ?? result.judge?.pValue ?? null;
      if (pValue !== null && !Number.isNaN(pValue)) pValues.push({ labels: metricLabels, value: pValue });
    }
    this.series.sync(id, this.metrics.metricValue, values);
    this.series.sync(id, this.metrics.metricRegressed, regressed);
    this.series.sync(id, this.metrics.metricPValue, pValues);
  }

  recordDecision(template: string, verdict: DecisionVerdict, rule: string): void {
    this.metrics.decisions.inc({ template, verdict, rule });
  }

  recordQuery(source: string, outcome: QueryOutcome, seconds: number): void {
    this.metrics.sourceQueries.inc({ source, outcome });
    this.metrics.sourceQueryDuration.observe({ source }, Math.max(0, seconds));
  }

  recordAdapterCall(adapter: string, action: AdapterAction, outcome: AdapterCallOutcome): void {
    this.metrics.adapterCalls.inc({ adapter, action, outcome });
  }

  recordTick(template: string, durationSeconds: number, lagSeconds: number): void {
    this.metrics.tickDuration.observe({ template }, Math.max(0, durationSeconds));
    this.metrics.tickLag.observe({ template }, Math.max(0, lagSeconds));
  }

  setPhaseCounts(counts: Partial<Record<Phase, number>>): void {
    for (const phase of PHASES) this.metrics.analyses.set({ phase }, counts[phase] ?? 0);
  }

  forgetAnalysis(analysisId: string): number {
    this.recordedStates.delete(analysisId);
    return this.series.forget(analysisId);
  }

  trackedAnalyses(): string[] {
    return this.series.analysisIds();
  }
}

function baseLabels(labels: AnalysisLabels): AnalysisLabels {
  return {
    analysis: labels.analysis,
    template: labels.template,
    service: labels.service,
    environment: labels.environment,
  };
}

function measuredValue(result: MetricResult, variant: Variant): number | null {
  if (result.missing || result.error) return null;
  const value = result[variant];
  return value === null || Number.isNaN(value) ? null : value;
}
