// canaryd's sequential judges in the benchmark, called exactly as the engine calls them: through the
// MetricJudge contract, one tick at a time, with counts accumulated since the step began and the
// judge's memory carried from tick to tick.

import type { Measurement, MetricSpec, Series } from '../../analysis/types.js';
import type { JudgeContext, MetricJudge, VariantMeasurements } from '../../stats/judge.js';
import type { DispersionModel } from '../../stats/sequential-config.js';
import { sequentialCountJudge } from '../../stats/sequential-count.js';
import { sequentialHistogramJudge } from '../../stats/sequential-histogram.js';
import type { BenchJudge } from './judges.js';
import type { RunData, VariantSeries } from './generate.js';
import { BUCKET_BOUNDS, type Scenario } from './scenarios.js';

/** The analysis-wide false-abort budget, split evenly over the two judged metrics. */
export const CANARYD_ALPHA = 0.01;
/** A looser budget, to compare with Kayenta at a similar false-abort rate. */
export const CANARYD_LOOSE_ALPHA = 0.05;
export const CANARYD_QUANTILES: readonly number[] = [0.5, 0.9, 0.99];
const BOUND_LABELS = [...BUCKET_BOUNDS.map((bound) => String(bound)), '+Inf'];

function metricSpecs(dispersion: DispersionModel, analysisAlpha: number): { errors: MetricSpec; latency: MetricSpec } {
  const alpha = analysisAlpha / 2;
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
  increment.forEach((count, k) => (target[k] = (target[k] ?? 0) + count));
}

export function canarydJudge(name: string, dispersion: DispersionModel, analysisAlpha: number = CANARYD_ALPHA): BenchJudge {
  const specs = metricSpecs(dispersion, analysisAlpha);
  return {
    name,
    run(scenario: Scenario, data: RunData): number | null {
      const requests: VariantSeries<number> = { baseline: 0, canary: 0 };
      const errors: VariantSeries<number> = { baseline: 0, canary: 0 };
      const buckets: VariantSeries<number[]> = { baseline: [], canary: [] };
      const memory: Record<string, unknown> = {};
      for (let interval = 0; interval < scenario.intervals; interval++) {
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
        let regressed = false;
        for (const [spec, judge] of judged) {
          const context: JudgeContext = {
            measurements,
            stepElapsedMs: (interval + 1) * scenario.intervalSeconds * 1000,
            intervalMs: scenario.intervalSeconds * 1000,
            memory: memory[spec.name],
          };
          const outcome = judge.judge(spec, measurements.get(spec.name) as VariantMeasurements, context);
          memory[spec.name] = outcome.memory;
          if (outcome.evidence.regressed === true) regressed = true;
        }
        if (regressed) return interval + 1;
      }
      return null;
    },
  };
}
