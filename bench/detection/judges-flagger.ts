// Flagger's analysis in the benchmark: every interval, the canary alone against fixed thresholds
// (error rate over the last interval, p99 latency over the last interval); the first failing check
// of a tick adds one failed check, no data counts as a failed check, passing checks never reset
// the count, and the canary is rolled back once failed checks reach the threshold (5).
// The thresholds a user would write: 1.5 × the healthy values (error rate 1.5%, p99 1.5 × the true
// healthy p99). Tighter thresholds abort more healthy canaries; looser ones miss more regressions.

import { interpolatedQuantile } from '../../src/stats/sequential-readings.js';
import { normalQuantile } from '../../src/stats/normal.js';
import { trueLatencyQuantile, type RunData } from './generate.js';
import type { BenchJudge } from './judges.js';
import { intervalHistogram } from './judges-mann-whitney.js';
import type { Scenario } from './scenarios.js';

export const FLAGGER_FAILED_CHECKS = 5;
export const FLAGGER_HEADROOM = 1.5;
const LATENCY_QUANTILE = 0.99;

function failsCheck(scenario: Scenario, data: RunData, interval: number): boolean {
  const requests = data.requests.canary[interval] as number;
  if (!(requests > 0)) return true;
  const errorRate = (data.errors.canary[interval] as number) / requests;
  if (errorRate > FLAGGER_HEADROOM * scenario.baselineErrorRate) return true;
  const p99 = interpolatedQuantile(intervalHistogram(data.buckets.canary[interval] as number[]), LATENCY_QUANTILE);
  if (p99 === null) return true;
  return p99 > FLAGGER_HEADROOM * trueLatencyQuantile(normalQuantile(LATENCY_QUANTILE));
}

export const flaggerThreshold: BenchJudge = {
  name: 'flagger-threshold',
  run(scenario: Scenario, data: RunData): number | null {
    let failed = 0;
    for (let interval = 0; interval < scenario.intervals; interval++) {
      if (failsCheck(scenario, data, interval)) failed++;
      if (failed >= FLAGGER_FAILED_CHECKS) return interval + 1;
    }
    return null;
  },
};
