// The scenario catalogue of the detection benchmark: healthy canaries under several kinds of noise,
// error-rate regressions and latency regressions, some starting in the middle of the step.

export type Family = 'healthy' | 'error-regression' | 'latency-regression';

/**
 * How the counts vary beyond Poisson from interval to interval:
 * - poisson: none (requests and errors Poisson, latencies i.i.d.);
 * - diurnal: traffic swings ±50% in a sine over the canary's lifetime (both variants alike);
 * - shared-burst: traffic (CV 0.3) and the error rate (CV 0.5) swing per interval, both variants
 *   alike — a flaky dependency, a traffic spike;
 * - arm-gamma: each variant's error rate has its own gamma multiplier per interval (gamma-Poisson
 *   counts) with coefficient of variation `noiseCv` — bursts that hit one variant only;
 * - pod-gamma: 20 pods split by traffic share, each pod's error rate with its own gamma multiplier
 *   (CV 1) per interval: a canary on one pod is bursty, a baseline on nineteen much less;
 * - latency-jitter: each variant's latency scale moves by a log-normal factor (σ = 5%) per interval.
 */
export type Noise = 'poisson' | 'diurnal' | 'shared-burst' | 'arm-gamma' | 'pod-gamma' | 'latency-jitter';

export interface Scenario {
  id: string;
  family: Family;
  noise: Noise;
  /** Coefficient of variation of the per-variant error-rate multiplier (arm-gamma). */
  noiseCv: number;
  requestsPerSecond: number;
  canaryShare: number;
  baselineErrorRate: number;
  /** Canary error rate / baseline error rate after the onset (1 = healthy). */
  errorRatio: number;
  /** Canary latency / baseline latency after the onset (1 = healthy). */
  latencyScale: number;
  /** Intervals before the regression starts (0: from the first interval). */
  onsetIntervals: number;
  intervals: number;
  intervalSeconds: number;
}

export const INTERVAL_SECONDS = 60;
export const LIFETIME_INTERVALS = 60;
export const MID_STEP_ONSET = 20;
export const BASELINE_ERROR_RATE = 0.01;
/** Latency: log-normal with this median (seconds) and log-sd; buckets are Prometheus' defaults. */
export const LATENCY_MEDIAN_SECONDS = 0.1;
export const LATENCY_LOG_SD = 0.5;
export const BUCKET_BOUNDS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface Catalogue {
  scenarios: Scenario[];
  /** Replicates per scenario by family. */
  replicates: Record<'healthy' | 'regression', number>;
}

interface ScenarioInput {
  family: Family;
  noise: Noise;
  noiseCv?: number;
  requestsPerSecond: number;
  canaryShare: number;
  errorRatio?: number;
  latencyScale?: number;
  onsetIntervals?: number;
}

function scenario(input: ScenarioInput): Scenario {
  const noiseCv = input.noiseCv ?? 0;
  const errorRatio = input.errorRatio ?? 1;
  const latencyScale = input.latencyScale ?? 1;
  const onsetIntervals = input.onsetIntervals ?? 0;
  const noise = input.noise === 'arm-gamma' ? `arm-gamma-${noiseCv}` : input.noise;
  const effect = input.family === 'error-regression' ? `-errors×${errorRatio}` : input.family === 'latency-regression' ? `-latency×${latencyScale}` : '';
  const onset = onsetIntervals > 0 ? `-onset${onsetIntervals}` : '';
  return {
    id: `${input.family}-${noise}-${input.requestsPerSecond}rps-${input.canaryShare * 100}%${effect}${onset}`,
    family: input.family,
    noise: input.noise,
    noiseCv,
    requestsPerSecond: input.requestsPerSecond,
    canaryShare: input.canaryShare,
    baselineErrorRate: BASELINE_ERROR_RATE,
    errorRatio,
    latencyScale,
    onsetIntervals,
    intervals: LIFETIME_INTERVALS,
    intervalSeconds: INTERVAL_SECONDS,
  };
}

const HEALTHY_NOISES: ReadonlyArray<{ noise: Noise; noiseCv?: number }> = [
  { noise: 'poisson' },
  { noise: 'diurnal' },
  { noise: 'shared-burst' },
  { noise: 'arm-gamma', noiseCv: 0.5 },
  { noise: 'arm-gamma', noiseCv: 1 },
  { noise: 'pod-gamma' },
  { noise: 'latency-jitter' },
];

/** The full catalogue, or the quick one (fewer traffic shares and replicates). */
export function buildCatalogue(quick: boolean): Catalogue {
  const rates = [5, 50, 500];
  const shares = quick ? [0.01, 0.05, 0.5] : [0.01, 0.05, 0.2, 0.5];
  const onsets = [0, MID_STEP_ONSET];
  const scenarios: Scenario[] = [];
  for (const { noise, noiseCv } of HEALTHY_NOISES) {
    for (const requestsPerSecond of rates) {
      for (const canaryShare of shares) scenarios.push(scenario({ family: 'healthy', noise, noiseCv, requestsPerSecond, canaryShare }));
    }
  }
  for (const errorRatio of [1.1, 1.25, 1.5, 2, 3, 5]) {
    for (const requestsPerSecond of rates) {
      for (const canaryShare of shares) {
        for (const onsetIntervals of onsets) {
          scenarios.push(scenario({ family: 'error-regression', noise: 'poisson', requestsPerSecond, canaryShare, errorRatio, onsetIntervals }));
        }
      }
    }
  }
  for (const errorRatio of [1.5, 2, 5]) {
    for (const requestsPerSecond of [50, 500]) {
      for (const canaryShare of [0.05, 0.5]) {
        scenarios.push(scenario({ family: 'error-regression', noise: 'arm-gamma', noiseCv: 0.5, requestsPerSecond, canaryShare, errorRatio }));
      }
    }
  }
  for (const latencyScale of [1.02, 1.05, 1.1, 1.2, 1.5]) {
    for (const requestsPerSecond of rates) {
      for (const canaryShare of shares) {
        for (const onsetIntervals of onsets) {
          scenarios.push(scenario({ family: 'latency-regression', noise: 'poisson', requestsPerSecond, canaryShare, latencyScale, onsetIntervals }));
        }
      }
    }
  }
  return { scenarios, replicates: quick ? { healthy: 40, regression: 10 } : { healthy: 200, regression: 40 } };
}
