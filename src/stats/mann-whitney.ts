// The Wilcoxon rank-sum (Mann–Whitney U) test with a confidence interval for the location shift,
// computing what R's
//   wilcox.test(canary, baseline, conf.int = TRUE, exact = FALSE, correct = TRUE, conf.level = confidence)
// computes (stats:::wilcox.test.default, R 4.x): the normal approximation with tie and continuity
// correction for the p-value, and the interval and Hodges–Lehmann shift by root finding on the
// asymptotic statistic as a function of the shift.
//
// Where R gives no answer we give a documented one instead of NaN or an error:
// - every value of both samples equal (R: p-value NaN, then an error for the interval):
//   pValue 1, estimate 0, interval [0, 0] — no evidence of any shift;
// - each sample constant but the two different, e.g. [5, 5] vs [3] (R: p-value fine, then
//   "cannot compute confidence interval when all observations are tied" and an error):
//   the shift is known exactly, so estimate = interval bounds = canary value − baseline value.

import { normalCdf, normalQuantile, normalSurvival } from './normal.js';
import { zeroin } from './mann-whitney-zeroin.js';

export interface MannWhitneyOptions {
  /** Confidence level of the interval, in (0, 1). R's default is 0.95; Kayenta uses 0.98. */
  confidence?: number;
}

export interface MannWhitneyResult {
  /** R's W: the sum of the canary's ranks minus n(n+1)/2 (the Mann–Whitney U of the canary). */
  u: number;
  /** Two-sided p-value of the normal approximation with tie and continuity correction. */
  pValue: number;
  /** Hodges–Lehmann estimate of the shift canary − baseline. */
  estimate: number;
  /** Confidence interval for the shift canary − baseline. */
  confidenceInterval: [number, number];
}

/** wilcox.test's tol.root. */
const ROOT_TOLERANCE = 1e-4;
const DEFAULT_CONFIDENCE = 0.95;

interface RankSum {
  /** Sum of the canary's average ranks in the pooled sample. */
  canaryRankSum: number;
  /** Σ (t³ − t) over groups of tied values. */
  tieTerm: number;
}

/**
 * Average ranks of (canary − shift) pooled with baseline, by merging the two sorted samples.
 * Subtracting a constant keeps the canary sorted (rounding is monotone), and ties are decided on the
 * shifted doubles themselves, as R's rank(c(x - d, y)) decides them.
 */
function rankSum(canarySorted: readonly number[], baselineSorted: readonly number[], shift: number): RankSum {
  const nx = canarySorted.length;
  const ny = baselineSorted.length;
  let i = 0;
  let j = 0;
  let position = 0;
  let canaryRankSum = 0;
  let tieTerm = 0;
  while (i < nx || j < ny) {
    const nextCanary = i < nx ? (canarySorted[i] as number) - shift : Infinity;
    const nextBaseline = j < ny ? (baselineSorted[j] as number) : Infinity;
    const value = i < nx && (j >= ny || nextCanary <= nextBaseline) ? nextCanary : nextBaseline;
    let canaryTies = 0;
    while (i < nx && (canarySorted[i] as number) - shift === value) {
      canaryTies += 1;
      i += 1;
    }
    let baselineTies = 0;
    while (j < ny && (baselineSorted[j] as number) === value) {
      baselineTies += 1;
      j += 1;
    }
    const size = canaryTies + baselineTies;
    const averageRank = position + (size + 1) / 2;
    canaryRankSum += canaryTies * averageRank;
    tieTerm += size * size * size - size;
    position += size;
  }
  return { canaryRankSum, tieTerm };
}

function checkSample(values: readonly number[], name: string): void {
  if (values.length === 0) throw new RangeError(`mannWhitney: the ${name} sample is empty; at least one value is needed`);
  for (const [index, value] of values.entries()) {
    if (!Number.isFinite(value)) {
      throw new RangeError(`mannWhitney: ${name}[${index}] is ${value}; only finite numbers are accepted (remove or replace NaN and ±Infinity first)`);
    }
  }
}

function checkConfidence(confidence: number): void {
  if (!(confidence > 0 && confidence < 1)) {
    throw new RangeError(`mannWhitney: confidence must be a number in (0, 1), got ${confidence}`);
  }
}

const ascending = (a: number, b: number): number => a - b;

/**
 * The Wilcoxon rank-sum test of canary against baseline with a confidence interval for the shift
 * canary − baseline, as R's wilcox.test(canary, baseline, conf.int = TRUE, exact = FALSE,
 * correct = TRUE, conf.level = confidence). Throws a RangeError for an empty sample, a non-finite
 * value or a confidence outside (0, 1).
 */
export function mannWhitney(canary: readonly number[], baseline: readonly number[], options: MannWhitneyOptions = {}): MannWhitneyResult {
  checkSample(canary, 'canary');
  checkSample(baseline, 'baseline');
  const confidence = options.confidence ?? DEFAULT_CONFIDENCE;
  checkConfidence(confidence);

  const x = [...canary].sort(ascending);
  const y = [...baseline].sort(ascending);
  const nx = x.length;
  const ny = y.length;
  const pooled = nx + ny;

  const sigmaOf = (tieTerm: number): number => Math.sqrt(((nx * ny) / 12) * (pooled + 1 - tieTerm / (pooled * (pooled - 1))));

  const observed = rankSum(x, y, 0);
  const u = observed.canaryRankSum - (nx * (nx + 1)) / 2;
  const sigma = sigmaOf(observed.tieTerm);
  if (sigma === 0) {
    return { u, pValue: 1, estimate: 0, confidenceInterval: [0, 0] };
  }
  const centred = u - (nx * ny) / 2;
  const z = (centred - Math.sign(centred) * 0.5) / sigma;
  const pValue = 2 * Math.min(normalCdf(z), normalSurvival(z));

  const smallestShift = (x[0] as number) - (y[ny - 1] as number);
  const largestShift = (x[nx - 1] as number) - (y[0] as number);
  if (smallestShift === largestShift) {
    return { u, pValue, estimate: smallestShift, confidenceInterval: [smallestShift, smallestShift] };
  }

  /** The standardised statistic for canary − shift against baseline; decreasing in shift. */
  const statistic = (shift: number, continuityCorrection: boolean): number => {
    const ranks = rankSum(x, y, shift);
    const dz = ranks.canaryRankSum - (nx * (nx + 1)) / 2 - (nx * ny) / 2;
    const correction = continuityCorrection ? Math.sign(dz) * 0.5 : 0;
    return (dz - correction) / sigmaOf(ranks.tieTerm);
  };

  const atSmallest = statistic(smallestShift, true);
  const atLargest = statistic(largestShift, true);
  const shiftWhereStatisticIs = (target: number): number => {
    const fLower = atSmallest - target;
    if (fLower <= 0) return smallestShift;
    const fUpper = atLargest - target;
    if (fUpper >= 0) return largestShift;
    return zeroin((shift) => statistic(shift, true) - target, smallestShift, largestShift, fLower, fUpper, ROOT_TOLERANCE);
  };
  const alpha = 1 - confidence;
  const lowerLimit = shiftWhereStatisticIs(-normalQuantile(alpha / 2));
  const upperLimit = shiftWhereStatisticIs(normalQuantile(alpha / 2));

  // R sets correct <- FALSE before the estimate, so the Hodges–Lehmann root has no continuity correction.
  const estimate = zeroin(
    (shift) => statistic(shift, false),
    smallestShift,
    largestShift,
    statistic(smallestShift, false),
    statistic(largestShift, false),
    ROOT_TOLERANCE,
  );
  return { u, pValue, estimate, confidenceInterval: [lowerLimit, upperLimit] };
}
