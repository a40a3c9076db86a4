// Kayenta's judge in the benchmark: Mann–Whitney on per-interval samples of each metric (error
// rate, and latency at each quantile from the interval's histogram), canary against baseline, with
// Kayenta's defaults (98% confidence, meanRatio effect size with no extra margin), direction
// increase, every metric critical (so one High fails the run). Two ways to use it over a canary's
// lifetime: judge the growing window at every interval and stop at the first failure (how Kayenta
// runs during a canary), or look once at the end (a fixed-horizon test).
// Judging starts at 5 intervals: below 5 samples per variant a 98% Mann–Whitney interval cannot
// exclude zero, and the classifier's exact-shift rule for constant samples would decide 1-vs-1
// samples alone (Kayenta itself jitters such samples and would not call them High).

import { classifyMannWhitney, type KayentaConfig } from '../../src/stats/kayenta.js';
import { interpolatedQuantile, type Histogram } from '../../src/stats/sequential-readings.js';
import { CANARYD_QUANTILES } from './judges-canaryd.js';
import type { BenchJudge } from './judges.js';
import type { RunData } from './generate.js';
import { BUCKET_BOUNDS, type Scenario } from './scenarios.js';

const KAYENTA: KayentaConfig = { confidence: 0.98, direction: 'increase' };
export const KAYENTA_MIN_SAMPLES = 5;

interface Samples {
  canary: number[][];
  baseline: number[][];
}

/** Per-interval values of each judged metric: error rate, then latency at each quantile. */
export function intervalHistogram(bucketCounts: readonly number[]): Histogram {
  let running = 0;
  const cumulative = BUCKET_BOUNDS.map((_, k) => (running += bucketCounts[k] as number));
  return { bounds: [...BUCKET_BOUNDS], cumulative, total: running + (bucketCounts[BUCKET_BOUNDS.length] as number) };
}

function metricSamples(data: RunData, intervals: number): Samples {
  const build = (variant: 'canary' | 'baseline'): number[][] => {
    const errorRate: number[] = [];
    const latency: number[][] = CANARYD_QUANTILES.map(() => []);
    for (let i = 0; i < intervals; i++) {
      const requests = data.requests[variant][i] as number;
      errorRate.push(requests > 0 ? (data.errors[variant][i] as number) / requests : Number.NaN);
      const histogram = intervalHistogram(data.buckets[variant][i] as number[]);
      CANARYD_QUANTILES.forEach((q, m) => {
        (latency[m] as number[]).push(interpolatedQuantile(histogram, q) ?? Number.NaN);
      });
    }
    return [errorRate, ...latency];
  };
  return { canary: build('canary'), baseline: build('baseline') };
}

function anyHigh(samples: Samples, length: number): boolean {
  return samples.canary.some((canary, metric) => {
    const baseline = samples.baseline[metric] as number[];
    return classifyMannWhitney(canary.slice(0, length), baseline.slice(0, length), KAYENTA).classification === 'High';
  });
}

export const kayentaMannWhitney: BenchJudge = {
  name: 'kayenta-mann-whitney',
  run(scenario: Scenario, data: RunData): number | null {
    const samples = metricSamples(data, scenario.intervals);
    for (let length = KAYENTA_MIN_SAMPLES; length <= scenario.intervals; length++) if (anyHigh(samples, length)) return length;
    return null;
  },
};

export const fixedHorizonMannWhitney: BenchJudge = {
  name: 'fixed-horizon-mann-whitney',
  run(scenario: Scenario, data: RunData): number | null {
    return anyHigh(metricSamples(data, scenario.intervals), scenario.intervals) ? scenario.intervals : null;
  },
};
