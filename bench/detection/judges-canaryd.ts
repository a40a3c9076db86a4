// canaryd's sequential judges in the benchmark, called exactly as the engine calls them: through the
// MetricJudge contract, one tick at a time, with counts accumulated since the current step began,
// the step index in the context, the judge's memory carried through the whole analysis, and the
// baseline's history handed over on the first judgement as the engine's range queries return it.

import type { Measurement, MetricSpec, RangeSeries, Series } from '../../src/analysis/types.js';
import { compiledJudgeOf } from '../../src/engine/judge-config.js';
import type { JudgeContext, MetricJudge, VariantMeasurements } from '../../src/stats/judge.js';
import type { DispersionModel } from '../../src/stats/sequential-config.js';
import { sequentialCountJudge } from '../../src/stats/sequential-count.js';
import { sequentialHistogramJudge } from '../../src/stats/sequential-histogram.js';
import type { BenchJudge } from './judges.js';
import type { ArmSeries, RunData, VariantSeries } from './generate.js';
import { BUCKET_BOUNDS, type Scenario, stepIndexAt } from './scenarios.js';

/** The analysis-wide false-abort budget, split evenly over the two judged metrics. */
export const CANARYD_ALPHA = 0.01;
/** Looser analysis-wide alphas, to trace the trade-off. */
export const CANARYD_LOOSER_ALPHAS: readonly number[] = [0.05, 0.2];
/** The smallest alpha any benchmark judge uses (p-value paths stop below it). */
const CANARYD_MIN_ALPHA = Math.min(CANARYD_ALPHA, ...CANARYD_LOOSER_ALPHAS);
export const CANARYD_QUANTILES: readonly number[] = [0.5, 0.9, 0.99];
const BOUND_LABELS = [...BUCKET_BOUNDS.map((bound) => String(bound)), '+Inf'];

function metricSpecs(dispersion: DispersionModel): { errors: MetricSpec; latency: MetricSpec } {
  // The p-values do not depend on alpha; alpha only sets the calibration's δ (a tenth of it).
  const alpha = CANARYD_ALPHA / 2;
  return {
    errors: {
      name: 'errors',
      query: 'sum(increase(http_requests_total{code=~"5.."}[{{ window }}]))',
      direction: 'increase',
      judge: { type: 'sequential-count', exposure: 'requests', allowedIncrease: 0, alpha, dispersion },
    },
    latency: {
      name: 'latency',
      query: 'sum by (le) (increase(http_request_duration_seconds_bucket[{{ window }}]))',
      direction: 'increase',
      judge: { type: 'sequential-histogram', quantiles: [...CANARYD_QUANTILES], allowedIncrease: 0, alpha, dispersion },
    },
  };
}

const value = (count: number): Measurement => ({ kind: 'value', value: count });

function histogramMeasurement(bucketCounts: readonly number[]): Measurement {
  let running = 0;
  const series: Series[] = bucketCounts.map((count, k) => {
    running += count;
    return { labels: { le: BOUND_LABELS[k] as string }, value: running };
  });
  return { kind: 'vector', series };
}

function addInto(target: number[], increment: readonly number[]): void {
  increment.forEach((count, k) => {
    target[k] = (target[k] ?? 0) + count;
  });
}

/** The history as the engine's range queries return it: one sample per interval, ending at the canary's start. */
function historyMeasurements(history: ArmSeries, intervalMs: number): Map<string, Measurement> {
  const at = (t: number): number => (t - history.requests.length + 1) * intervalMs;
  const samples = (values: readonly number[]): Measurement => ({ kind: 'samples', samples: values.map((v, t) => ({ at: at(t), value: v })) });
  const series: RangeSeries[] = BOUND_LABELS.map((le, k) => ({
    labels: { le },
    samples: history.buckets.map((buckets, t) => ({ at: at(t), value: buckets.slice(0, k + 1).reduce((sum, count) => sum + count, 0) })),
  }));
  return new Map<string, Measurement>([
    ['errors', samples(history.errors)],
    ['requests', samples(history.requests)],
    ['latency', { kind: 'matrix', series }],
  ]);
}

/**
 * The analysis's anytime-valid p-value after each interval: 2 × the smaller of the two metrics'
 * p-values (their alpha is split evenly), exactly what makes a judge say `regressed` at α/2. One
 * pass serves every α; it stops once it falls below `floor`.
 */
function analysisPValues(scenario: Scenario, data: RunData, dispersion: DispersionModel, floor: number): number[] {
  const specs = metricSpecs(dispersion);
  const intervalMs = scenario.intervalSeconds * 1000;
  const history = historyMeasurements(data.history, intervalMs);
  const requests: VariantSeries<number> = { baseline: 0, canary: 0 };
  const errors: VariantSeries<number> = { baseline: 0, canary: 0 };
  let buckets: VariantSeries<number[]> = { baseline: [], canary: [] };
  const memory: Record<string, unknown> = {};
  const path: number[] = [];
  let step = 0;
  let stepStart = 0;
  for (let interval = 0; interval < scenario.intervals; interval++) {
    const stepIndex = stepIndexAt(scenario, interval);
    if (stepIndex !== step) {
      // A new step: the queries' window (time since the step began) starts again.
      step = stepIndex;
      stepStart = interval;
      requests.baseline = requests.canary = errors.baseline = errors.canary = 0;
      buckets = { baseline: [], canary: [] };
    }
    for (const variant of ['baseline', 'canary'] as const) {
      requests[variant] += data.requests[variant][interval] as number;
      errors[variant] += data.errors[variant][interval] as number;
      addInto(buckets[variant], data.buckets[variant][interval] as number[]);
    }
    const measurements = new Map<string, VariantMeasurements>([
      ['requests', { baseline: value(requests.baseline), canary: value(requests.canary) }],
      ['errors', { baseline: value(errors.baseline), canary: value(errors.canary) }],
      ['latency', { baseline: histogramMeasurement(buckets.baseline), canary: histogramMeasurement(buckets.canary) }],
    ]);
    const judged: Array<[MetricSpec, MetricJudge]> = [
      [specs.errors, sequentialCountJudge],
      [specs.latency, sequentialHistogramJudge],
    ];
    let pValue = 1;
    for (const [spec, judge] of judged) {
      const context: JudgeContext = {
        measurements,
        stepIndex,
        stepElapsedMs: (interval - stepStart + 1) * intervalMs,
        intervalMs,
        memory: memory[spec.name],
      };
      if (memory[spec.name] === undefined) context.history = history;
      const outcome = judge.judge(spec, measurements.get(spec.name) as VariantMeasurements, context, compiledJudgeOf(judge, spec));
      memory[spec.name] = outcome.memory;
      pValue = Math.min(pValue, 2 * (outcome.evidence.pValue ?? 1));
    }
    path.push(pValue);
    if (pValue <= floor) break;
  }
  return path;
}

const paths = new WeakMap<RunData, Map<DispersionModel, number[]>>();

function cachedPath(scenario: Scenario, data: RunData, dispersion: DispersionModel): number[] {
  let byModel = paths.get(data);
  if (byModel === undefined) {
    byModel = new Map();
    paths.set(data, byModel);
  }
  let path = byModel.get(dispersion);
  if (path === undefined) {
    path = analysisPValues(scenario, data, dispersion, CANARYD_MIN_ALPHA);
    byModel.set(dispersion, path);
  }
  return path;
}

/** canaryd with the given analysis-wide alpha, split evenly over errors and latency. */
export function canarydJudge(name: string, dispersion: DispersionModel, analysisAlpha: number = CANARYD_ALPHA): BenchJudge {
  return {
    name,
    run(scenario: Scenario, data: RunData): number | null {
      const index = cachedPath(scenario, data, dispersion).findIndex((pValue) => pValue <= analysisAlpha);
      return index < 0 ? null : index + 1;
    },
  };
}
