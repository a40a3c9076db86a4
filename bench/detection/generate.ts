// One simulated canary run at the level of requests per interval: per variant, requests by latency
// bucket (Poisson per bucket, so the total is Poisson too) and errors (Poisson given the requests,
// with the error-rate multipliers of the scenario's noise).

import { normalCdf } from '../../src/stats/normal.js';
import type { Random } from '../../src/stats/random.js';
import { BUCKET_BOUNDS, LATENCY_LOG_SD, LATENCY_MEDIAN_SECONDS, shareAt, type Scenario } from './scenarios.js';

export interface VariantSeries<T> {
  baseline: T;
  canary: T;
}

/** One variant's per-interval increments. */
export interface ArmSeries {
  requests: number[];
  errors: number[];
  /** Per interval, requests per bucket (non-cumulative), BUCKET_BOUNDS then the +Inf bucket. */
  buckets: number[][];
}

/** Per-interval increments (index 0 = the first interval of the canary). */
export interface RunData {
  requests: VariantSeries<number[]>;
  errors: VariantSeries<number[]>;
  /** Per interval, requests per bucket (non-cumulative), BUCKET_BOUNDS then the +Inf bucket. */
  buckets: VariantSeries<number[][]>;
  /** The baseline before the canary started, serving all the traffic. */
  history: ArmSeries;
}

const POD_COUNT = 20;
const POD_CV = 1;
const SHARED_TRAFFIC_CV = 0.3;
const SHARED_ERROR_CV = 0.5;
const LATENCY_JITTER_LOG_SD = 0.05;

const shapeFor = (cv: number): number => 1 / (cv * cv);

/** P(bucket k) for a log-normal latency with the given median: bounds, then +Inf. */
export function bucketProbabilities(median: number): number[] {
  const cdf = BUCKET_BOUNDS.map((bound) => normalCdf((Math.log(bound) - Math.log(median)) / LATENCY_LOG_SD));
  return [...cdf.map((value, k) => value - (k === 0 ? 0 : (cdf[k - 1] as number))), 1 - (cdf[cdf.length - 1] as number)];
}

/** The true q-quantile of the healthy latency distribution. */
export function trueLatencyQuantile(z: number): number {
  return LATENCY_MEDIAN_SECONDS * Math.exp(LATENCY_LOG_SD * z);
}

export function isRegressed(scenario: Scenario, interval: number): boolean {
  return interval >= scenario.onsetIntervals;
}

function trafficMultiplier(scenario: Scenario, interval: number, random: Random): number {
  if (scenario.noise === 'diurnal') return 1 + 0.5 * Math.sin((2 * Math.PI * (interval + 0.5)) / scenario.intervals);
  if (scenario.noise === 'shared-burst') return random.gammaMeanOne(shapeFor(SHARED_TRAFFIC_CV));
  return 1;
}

function podMultiplier(pods: number, random: Random): number {
  let sum = 0;
  for (let pod = 0; pod < pods; pod++) sum += random.gammaMeanOne(shapeFor(POD_CV));
  return sum / pods;
}

function errorMultipliers(scenario: Scenario, canaryShare: number, random: Random): VariantSeries<number> {
  switch (scenario.noise) {
    case 'shared-burst': {
      const shared = random.gammaMeanOne(shapeFor(SHARED_ERROR_CV));
      return { baseline: shared, canary: shared };
    }
    case 'arm-gamma': {
      const shape = shapeFor(scenario.noiseCv);
      return { baseline: random.gammaMeanOne(shape), canary: random.gammaMeanOne(shape) };
    }
    case 'pod-gamma': {
      // Before the canary (share 0) every pod serves the baseline.
      const canaryPods = canaryShare > 0 ? Math.max(1, Math.round(POD_COUNT * canaryShare)) : 0;
      const baselinePods = Math.max(1, POD_COUNT - canaryPods);
      return { baseline: podMultiplier(baselinePods, random), canary: podMultiplier(canaryPods, random) };
    }
    default:
      return { baseline: 1, canary: 1 };
  }
}

const latencyJitter = (scenario: Scenario, random: Random): number =>
  scenario.noise === 'latency-jitter' ? Math.exp(LATENCY_JITTER_LOG_SD * random.normal()) : 1;

/** The baseline's history: all traffic, the scenario's noise, healthy. */
function generateHistory(scenario: Scenario, random: Random): ArmSeries {
  const history: ArmSeries = { requests: [], errors: [], buckets: [] };
  const healthyBuckets = bucketProbabilities(LATENCY_MEDIAN_SECONDS);
  for (let interval = 0; interval < scenario.historyIntervals; interval++) {
    const meanRequests = scenario.requestsPerSecond * scenario.intervalSeconds * trafficMultiplier(scenario, interval, random);
    const jitter = latencyJitter(scenario, random);
    const buckets = drawBuckets(meanRequests, jitter === 1 ? healthyBuckets : bucketProbabilities(LATENCY_MEDIAN_SECONDS * jitter), random);
    const requests = sum(buckets);
    const multiplier = errorMultipliers(scenario, 0, random).baseline;
    history.buckets.push(buckets);
    history.requests.push(requests);
    history.errors.push(random.poisson(requests * scenario.baselineErrorRate * multiplier));
  }
  return history;
}

function drawBuckets(meanRequests: number, probabilities: readonly number[], random: Random): number[] {
  return probabilities.map((probability) => random.poisson(meanRequests * probability));
}

const sum = (values: readonly number[]): number => values.reduce((total, value) => total + value, 0);

export function generateRun(scenario: Scenario, random: Random): RunData {
  const history = generateHistory(scenario, random);
  const data: RunData = {
    requests: { baseline: [], canary: [] },
    errors: { baseline: [], canary: [] },
    buckets: { baseline: [], canary: [] },
    history,
  };
  const healthyBuckets = bucketProbabilities(LATENCY_MEDIAN_SECONDS);
  const regressedBuckets = bucketProbabilities(LATENCY_MEDIAN_SECONDS * scenario.latencyScale);
  for (let interval = 0; interval < scenario.intervals; interval++) {
    const regressed = isRegressed(scenario, interval);
    const meanRequests = scenario.requestsPerSecond * scenario.intervalSeconds * trafficMultiplier(scenario, interval, random);
    const jitter = scenario.noise === 'latency-jitter';
    const share = shareAt(scenario, interval);
    const canaryProbabilities = jitter
      ? bucketProbabilities(LATENCY_MEDIAN_SECONDS * (regressed ? scenario.latencyScale : 1) * latencyJitter(scenario, random))
      : regressed
        ? regressedBuckets
        : healthyBuckets;
    const baselineProbabilities = jitter ? bucketProbabilities(LATENCY_MEDIAN_SECONDS * latencyJitter(scenario, random)) : healthyBuckets;
    const canaryBuckets = drawBuckets(meanRequests * share, canaryProbabilities, random);
    const baselineBuckets = drawBuckets(meanRequests * (1 - share), baselineProbabilities, random);
    const canaryRequests = sum(canaryBuckets);
    const baselineRequests = sum(baselineBuckets);
    const multipliers = errorMultipliers(scenario, share, random);
    const regressedRate = scenario.canaryErrorRate ?? scenario.baselineErrorRate * scenario.errorRatio;
    const canaryErrorRate = (regressed ? regressedRate : scenario.baselineErrorRate) * multipliers.canary;
    const baselineErrorRate = scenario.baselineErrorRate * multipliers.baseline;
    data.buckets.canary.push(canaryBuckets);
    data.buckets.baseline.push(baselineBuckets);
    data.requests.canary.push(canaryRequests);
    data.requests.baseline.push(baselineRequests);
    data.errors.canary.push(random.poisson(canaryRequests * canaryErrorRate));
    data.errors.baseline.push(random.poisson(baselineRequests * baselineErrorRate));
  }
  return data;
}
