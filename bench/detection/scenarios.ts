// The scenario catalogue of the detection benchmark: healthy canaries under several kinds of noise,
// error-rate regressions and latency regressions, some starting in the middle of the step.

export type Family = 'healthy' | 'error-regression' | 'latency-regression' | 'obvious-regression';

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
  /** The canary's error rate after the onset when set (obvious regressions over a near-zero baseline). */
  canaryErrorRate: number | null;
  /** Traffic steps: the canary's share and how many intervals each lasts (the last lasts to the end). */
  steps: Array<{ share: number; intervals: number }>;
  /** Intervals of the baseline's history before the canary starts (all traffic on the baseline). */
  historyIntervals: number;
}

/** The step plan of multi-step scenarios: 5% → 10% → 25% → 50%, four intervals each, then 50%. */
export const MULTI_STEP_PLAN: ReadonlyArray<{ share: number; intervals: number }> = [
  { share: 0.05, intervals: 4 },
  { share: 0.1, intervals: 4 },
  { share: 0.25, intervals: 4 },
  { share: 0.5, intervals: 48 },
];
/** A regression that starts with the third step of the plan. */
export const LATER_STEP_ONSET = 8;

/** The step (0-based) an interval belongs to. */
export function stepIndexAt(scenario: Scenario, interval: number): number {
  let end = 0;
  for (let step = 0; step < scenario.steps.length; step++) {
    end += (scenario.steps[step] as { intervals: number }).intervals;
    if (interval < end) return step;
  }
  return scenario.steps.length - 1;
}

export function shareAt(scenario: Scenario, interval: number): number {
  return (scenario.steps[stepIndexAt(scenario, interval)] as { share: number }).share;
}

export const INTERVAL_SECONDS = 60;
export const LIFETIME_INTERVALS = 60;
export const MID_STEP_ONSET = 20;
export const BASELINE_ERROR_RATE = 0.01;
export const HISTORY_INTERVALS = 360;
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
  baselineErrorRate?: number;
  canaryErrorRate?: number;
  multiStep?: boolean;
}

function scenario(input: ScenarioInput): Scenario {
  const noiseCv = input.noiseCv ?? 0;
  const errorRatio = input.errorRatio ?? 1;
  const latencyScale = input.latencyScale ?? 1;
  const onsetIntervals = input.onsetIntervals ?? 0;
  const noise = input.noise === 'arm-gamma' ? `arm-gamma-${noiseCv}` : input.noise;
  const effect = input.family === 'error-regression' ? `-errors×${errorRatio}` : input.family === 'latency-regression' ? `-latency×${latencyScale}` : '';
  const onset = onsetIntervals > 0 ? `-onset${onsetIntervals}` : '';
  const baselineErrorRate = input.baselineErrorRate ?? BASELINE_ERROR_RATE;
  const canaryErrorRate = input.canaryErrorRate ?? null;
  const obvious = canaryErrorRate === null ? '' : `-errors${baselineErrorRate * 100}%→${canaryErrorRate * 100}%`;
  const multiStep = input.multiStep === true;
  const traffic = multiStep ? 'steps5-10-25-50%' : `${input.canaryShare * 100}%`;
  return {
    id: `${multiStep ? 'multistep-' : ''}${input.family}-${noise}-${Number(input.requestsPerSecond.toPrecision(3))}rps-${traffic}${effect}${obvious}${onset}`,
    canaryErrorRate,
    steps: multiStep ? MULTI_STEP_PLAN.map((step) => ({ ...step })) : [{ share: input.canaryShare, intervals: LIFETIME_INTERVALS }],
    historyIntervals: HISTORY_INTERVALS,
    family: input.family,
    noise: input.noise,
    noiseCv,
    requestsPerSecond: input.requestsPerSecond,
    canaryShare: input.canaryShare,
    baselineErrorRate,
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
  scenarios.push(...obviousScenarios(), ...multiStepScenarios(quick));
  return { scenarios, replicates: quick ? { healthy: 40, regression: 10 } : { healthy: 200, regression: 40 } };
}

/**
 * What users saw: a baseline with no or almost no errors, a canary with a few percent, at 5 to 300
 * canary requests per minute, 50/50 and 5/95 splits.
 */
function obviousScenarios(): Scenario[] {
  const scenarios: Scenario[] = [];
  for (const canaryShare of [0.5, 0.05]) {
    for (const canaryPerMinute of [5, 30, 300]) {
      const requestsPerSecond = canaryPerMinute / 60 / canaryShare;
      for (const baselineErrorRate of [0, 0.0005]) {
        for (const canaryErrorRate of [0.03, 0.1]) {
          scenarios.push(scenario({ family: 'obvious-regression', noise: 'poisson', requestsPerSecond, canaryShare, baselineErrorRate, canaryErrorRate }));
          scenarios.push(
            scenario({ family: 'healthy', noise: 'poisson', requestsPerSecond, canaryShare, baselineErrorRate, canaryErrorRate: baselineErrorRate }),
          );
        }
      }
    }
  }
  // A healthy canary over a near-zero baseline stays healthy under bursts too.
  for (const noise of ['arm-gamma', 'pod-gamma'] as const) {
    scenarios.push(
      scenario({ family: 'healthy', noise, noiseCv: 1, requestsPerSecond: 10, canaryShare: 0.5, baselineErrorRate: 0.002, canaryErrorRate: 0.002 }),
    );
  }
  return dedupe(scenarios);
}

/** Canaries that step up their traffic: healthy under each noise, regressions from the first and from a later step. */
function multiStepScenarios(quick: boolean): Scenario[] {
  const scenarios: Scenario[] = [];
  for (const { noise, noiseCv } of HEALTHY_NOISES) {
    for (const requestsPerSecond of [50, 500]) {
      scenarios.push(scenario({ family: 'healthy', noise, noiseCv, requestsPerSecond, canaryShare: 0.05, multiStep: true }));
    }
  }
  for (const requestsPerSecond of quick ? [50, 500] : [5, 50, 500]) {
    for (const onsetIntervals of [0, LATER_STEP_ONSET]) {
      for (const errorRatio of [1.5, 3]) {
        scenarios.push(
          scenario({ family: 'error-regression', noise: 'poisson', requestsPerSecond, canaryShare: 0.05, errorRatio, onsetIntervals, multiStep: true }),
        );
      }
      for (const latencyScale of [1.1, 1.5]) {
        scenarios.push(
          scenario({ family: 'latency-regression', noise: 'poisson', requestsPerSecond, canaryShare: 0.05, latencyScale, onsetIntervals, multiStep: true }),
        );
      }
    }
    scenarios.push(
      scenario({
        family: 'obvious-regression',
        noise: 'poisson',
        requestsPerSecond,
        canaryShare: 0.05,
        baselineErrorRate: 0,
        canaryErrorRate: 0.1,
        multiStep: true,
      }),
    );
  }
  return scenarios;
}

function dedupe(scenarios: Scenario[]): Scenario[] {
  const seen = new Set<string>();
  return scenarios.filter((candidate) => !seen.has(candidate.id) && seen.add(candidate.id) !== undefined);
}
