// The limit to compare against: Wald's SPRT knowing the true effect and when it starts (no test of
// the same level and power has a smaller expected sample size). Like the other judges it sees the
// counts once per interval. Errors: given n events in an interval, each is the canary's with
// probability θ1 = ρr/(ρr + 1 − ρ) under the true ratio r versus θ0 = ρ (ρ: the interval's realised
// canary share of requests). Latency: the same for the requests of each bucket, with the true bucket
// probabilities of both variants. Abort when the log-likelihood ratio reaches ln(1/α).
// It assumes Poisson counts, so it is only a yardstick on regressions (not run on healthy canaries).

import { bucketProbabilities, isRegressed, type RunData } from './generate.js';
import type { BenchJudge } from './judges.js';
import { LATENCY_MEDIAN_SECONDS, type Scenario } from './scenarios.js';

export const ORACLE_ALPHA = 0.01;

function shareLogLikelihoodRatio(canary: number, baseline: number, share: number, alternative: number): number {
  let value = 0;
  if (canary > 0) value += canary * Math.log(alternative / share);
  if (baseline > 0) value += baseline * Math.log((1 - alternative) / (1 - share));
  return value;
}

const eventShare = (share: number, ratio: number): number => (share * ratio) / (share * ratio + 1 - share);

function intervalEvidence(scenario: Scenario, data: RunData, interval: number): number {
  const canaryRequests = data.requests.canary[interval] as number;
  const baselineRequests = data.requests.baseline[interval] as number;
  if (!(canaryRequests > 0 && baselineRequests > 0)) return 0;
  const share = canaryRequests / (canaryRequests + baselineRequests);
  if (scenario.family === 'error-regression' || scenario.family === 'obvious-regression') {
    const canaryRate = scenario.canaryErrorRate ?? scenario.baselineErrorRate * scenario.errorRatio;
    // A zero baseline rate: every error is the canary's (θ1 = 1).
    const alternative = scenario.baselineErrorRate > 0 ? eventShare(share, canaryRate / scenario.baselineErrorRate) : 1;
    return shareLogLikelihoodRatio(data.errors.canary[interval] as number, data.errors.baseline[interval] as number, share, alternative);
  }
  const healthy = bucketProbabilities(LATENCY_MEDIAN_SECONDS);
  const regressed = bucketProbabilities(LATENCY_MEDIAN_SECONDS * scenario.latencyScale);
  const canaryBuckets = data.buckets.canary[interval] as number[];
  const baselineBuckets = data.buckets.baseline[interval] as number[];
  let value = 0;
  healthy.forEach((probability, k) => {
    if (!(probability > 0)) return;
    const alternative = eventShare(share, (regressed[k] as number) / probability);
    value += shareLogLikelihoodRatio(canaryBuckets[k] as number, baselineBuckets[k] as number, share, alternative);
  });
  return value;
}

export const oracleSprt: BenchJudge = {
  name: 'oracle-sprt',
  run(scenario: Scenario, data: RunData): number | null {
    if (scenario.family === 'healthy') return null;
    const threshold = Math.log(1 / ORACLE_ALPHA);
    let evidence = 0;
    for (let interval = 0; interval < scenario.intervals; interval++) {
      if (!isRegressed(scenario, interval)) continue;
      evidence += intervalEvidence(scenario, data, interval);
      if (evidence >= threshold) return interval + 1;
    }
    return null;
  },
};
