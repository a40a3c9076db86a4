// Judge `sequential-histogram`: is the canary's latency worse than the baseline's at the given
// quantiles by more than allowedIncrease? Anytime-valid for the whole analysis, from Prometheus
// histogram buckets (`sum by (le) (increase(…_bucket[{{ window }}]))`, counts since the step began).
//
// Per quantile q:
// 1. Once the baseline has enough data (≥ 10/(1−q) requests), lock a bucket bound b: the bound at
//    which the baseline's cumulative share is nearest to q in log-odds (buckets are coarse, so this
//    is the bound that says most about that quantile). It stays fixed for the analysis, so the test
//    below is one fixed hypothesis, not a moving target. Quantiles that lock the same bound share
//    one test (with Prometheus' default buckets p90 and p99 often do): α is split over distinct tests.
// 2. H0 "canary's q-quantile ≤ (1 + a) × baseline's", for a canary whose latency is the baseline's
//    scaled by at most 1 + a, implies P(canary > b) ≤ P(baseline > b/(1 + a)). Both sides are
//    counts: canary requests slower than b (exact: b is a bucket bound) and baseline requests slower
//    than b/(1 + a) (interpolated linearly inside its bucket, as histogram_quantile does), with the
//    variants' request totals as exposure. That is the count test of e-values-share.ts with r0 = 1;
//    with dispersion: calibrated its burstiness bound is learnt from the baseline's history of the
//    same tail (the requests slower than b per interval).
// 3. α is split evenly over the distinct tests (Bonferroni); the reported p-value is the adjusted one.
//
// Caveats, documented for users: a shift smaller than the bucket resolution only shows through
// the tail share at b, which is what is tested; with allowedIncrease > 0 the tolerated threshold
// b/(1 + a) is interpolated, which is conservative when the density falls inside that bucket (the
// usual case above the mode) and can be lenient-to-anticonservative where it rises; the lock-in
// uses the baseline's data up to the locking tick (a mild selection effect). The mirrored test
// (canary faster) locks on the canary's quantile and gives `improved`.

import type { MetricSpec } from '../analysis/types.js';
import { fixedCalibration, type BurstinessCalibration } from './burstiness-calibration.js';
import type { CompiledJudgeConfig, HistoryRequest, JudgeConfigProblem, JudgeContext, JudgeOutcome, MetricJudge, VariantMeasurements } from './judge.js';
import { parseSequentialHistogramConfig, quantileLabel, type SequentialHistogramConfig } from './sequential-config.js';
import { calibrationDetails, decide, evidenceNumber, problemOutcome, safeRatio } from './sequential-decision.js';
import { chooseCalibration, tailHistories } from './sequential-history.js';
import { type Histogram, interpolatedQuantile, type PerVariant, readHistograms } from './sequential-readings.js';
import { type BucketTestMemory, isBucketTestMemory, newStepBucketTest, startBucketTest, trackBucketTest } from './sequential-buckets.js';
import { shiftEValue } from './e-values-shift.js';
import { isTail, newStepTail, trackTail, type TailMemory, unlockedTail } from './sequential-tails.js';

const TYPE = 'sequential-histogram';

interface HistogramMemory {
  judge: typeof TYPE;
  quantiles: number[];
  allowedIncrease: number;
  step: number;
  /** Burstiness bounds per bucket bound (as text), from the baseline's history; the fallback under "*". */
  calibrations: Record<string, BurstinessCalibration>;
  higher: TailMemory[];
  lower: TailMemory[];
  /** The all-bucket test, when the baseline's history gave a shape (then the tails are not tracked). */
  buckets: BucketTestMemory | null;
}

const FALLBACK = '*';

function freshMemory(config: SequentialHistogramConfig, spec: MetricSpec, context: JudgeContext): HistogramMemory {
  const buckets = config.dispersion === 'calibrated' ? startBucketTest(context.history?.get(spec.name), config.allowedIncrease, config.alpha) : null;
  const calibrations: Record<string, BurstinessCalibration> = {};
  // Each tested tail may miss its bound: their misses share the δ of one calibration.
  const calibrationAlpha = config.alpha / config.quantiles.length;
  if (buckets !== null) {
    // The all-bucket test replaces the tail tests for the analysis: their calibrations would only be stored, never used.
    calibrations[FALLBACK] = fixedCalibration('no-history', 'the all-bucket test runs instead of the tail tests');
  } else if (config.dispersion === 'calibrated') {
    const tails = tailHistories(context.history?.get(spec.name));
    if (typeof tails === 'string') calibrations[FALLBACK] = chooseCalibration(config, tails, calibrationAlpha);
    else {
      for (const [bound, history] of tails) calibrations[String(bound)] = chooseCalibration(config, history, calibrationAlpha);
      calibrations[FALLBACK] = fixedCalibration('no-history', 'no history for this bucket bound; worst-case burstiness');
    }
  } else calibrations[FALLBACK] = chooseCalibration(config, [], config.alpha);
  return {
    judge: TYPE,
    quantiles: [...config.quantiles],
    allowedIncrease: config.allowedIncrease,
    step: context.stepIndex,
    calibrations,
    higher: config.quantiles.map(unlockedTail),
    lower: config.quantiles.map(unlockedTail),
    buckets,
  };
}

function restoreMemory(config: SequentialHistogramConfig, spec: MetricSpec, context: JudgeContext): HistogramMemory {
  const memory = context.memory;
  if (typeof memory === 'object' && memory !== null) {
    const candidate = memory as Partial<HistogramMemory>;
    const sameQuantiles =
      Array.isArray(candidate.quantiles) &&
      candidate.quantiles.length === config.quantiles.length &&
      candidate.quantiles.every((q, i) => q === config.quantiles[i]);
    const tailsFit = (tails: unknown): boolean => Array.isArray(tails) && tails.length === config.quantiles.length && tails.every(isTail);
    if (
      candidate.judge === TYPE &&
      sameQuantiles &&
      candidate.allowedIncrease === config.allowedIncrease &&
      typeof candidate.step === 'number' &&
      typeof candidate.calibrations === 'object' &&
      candidate.calibrations !== null &&
      tailsFit(candidate.higher) &&
      tailsFit(candidate.lower) &&
      (candidate.buckets === null || isBucketTestMemory(candidate.buckets))
    ) {
      const restored = candidate as HistogramMemory;
      if (restored.step === context.stepIndex) return restored;
      return {
        ...restored,
        step: context.stepIndex,
        higher: restored.higher.map(newStepTail),
        lower: restored.lower.map(newStepTail),
        buckets: restored.buckets === null ? null : newStepBucketTest(restored.buckets),
      };
    }
  }
  return freshMemory(config, spec, context);
}

function calibrationFor(memory: HistogramMemory, bound: number): BurstinessCalibration {
  return (memory.calibrations[String(bound)] ?? memory.calibrations[FALLBACK]) as BurstinessCalibration;
}

/** Distinct tests among the tails (an alias shares its target's test; unlocked quantiles count too). */
function distinctTests(tails: readonly TailMemory[]): number {
  return tails.filter((tail) => tail.alias === null).length;
}

function adjustedPValue(tails: readonly TailMemory[]): number {
  const own = tails.filter((tail) => tail.alias === null);
  return Math.min(1, own.length * Math.min(...own.map((tail) => tail.pValue)));
}

function judgeHistogram(
  spec: MetricSpec,
  own: VariantMeasurements,
  context: JudgeContext,
  parsed: CompiledJudgeConfig<SequentialHistogramConfig> = parseSequentialHistogramConfig(spec.judge ?? { type: TYPE }),
): JudgeOutcome {
  if (!parsed.ok) {
    const message = parsed.problems.map((problem) => `judge.${problem.path.join('.')}: ${problem.message}`).join('; ');
    return problemOutcome(TYPE, { kind: 'error', message }, context.memory);
  }
  const config = parsed.config;
  const previous = restoreMemory(config, spec, context);

  const read = readHistograms(own, spec.name);
  if (!read.ok) return problemOutcome(TYPE, read.problem, previous);
  const { canary, baseline } = read.value;
  if (!(canary.total > 0) || !(baseline.total > 0)) {
    const empty = canary.total > 0 ? 'baseline' : 'canary';
    return problemOutcome(TYPE, { kind: 'missing', message: `${spec.name}: no ${empty} requests yet (+Inf bucket is 0)` }, previous);
  }

  const a = config.allowedIncrease;
  const track = (tails: TailMemory[], worse: typeof canary, reference: typeof canary, canaryIsWorse: boolean): TailMemory[] => {
    const next: TailMemory[] = [];
    tails.forEach((tail, i) => {
      next.push(
        trackTail(tail, next, {
          worse,
          reference,
          quantile: config.quantiles[i] as number,
          toleratedIncrease: a,
          canaryIsWorse,
          calibrationFor: (bound) => calibrationFor(previous, bound),
        }),
      );
    });
    return next;
  };
  if (previous.buckets !== null) return bucketOutcome(spec, config, { ...previous, buckets: trackBucketTest(previous.buckets, read.value) }, read.value);
  const memory: HistogramMemory = {
    ...previous,
    higher: track(previous.higher, canary, baseline, true),
    lower: track(previous.lower, baseline, canary, false),
  };
  const spent = config.quantiles.length * Math.max(0, ...Object.values(memory.calibrations).map((calibration) => calibration.alphaSpent));
  const testAlpha = config.alpha - spent;
  // The calibrations may miss with probability δ in all: p + δ is the p-value of the whole procedure.
  const decision = decide(spec.direction, config.alpha, Math.min(1, adjustedPValue(memory.higher) + spent), Math.min(1, adjustedPValue(memory.lower) + spent));
  const m = distinctTests(memory.higher);

  const details: Record<string, number | string | boolean | null | number[]> = {
    method: "beta-binomial e-process over the analysis on the tail share at the baseline's quantile bucket, Bonferroni over distinct bounds",
    threshold: evidenceNumber(m / (spec.direction === 'both' ? testAlpha / 2 : testAlpha)),
    allowedIncrease: a,
    alpha: config.alpha,
    quantiles: [...config.quantiles],
    distinctTests: m,
    canaryCount: evidenceNumber(canary.total),
    baselineCount: evidenceNumber(baseline.total),
  };
  config.quantiles.forEach((q, i) => {
    const label = quantileLabel(q);
    const higher = memory.higher[i] as TailMemory;
    const lower = memory.lower[i] as TailMemory;
    details[`${label}.bound`] = higher.bound;
    details[`${label}.eValue`] = evidenceNumber(higher.eValue);
    details[`${label}.pValue`] = evidenceNumber(Math.min(1, m * higher.pValue));
    details[`${label}.improvementEValue`] = evidenceNumber(lower.eValue);
    details[`${label}.canarySlow`] = evidenceNumber(higher.total.slow);
    details[`${label}.baselineTolerated`] = evidenceNumber(higher.total.tolerated);
    details[`${label}.baseline`] = evidenceNumber(interpolatedQuantile(baseline, q));
    details[`${label}.canary`] = evidenceNumber(interpolatedQuantile(canary, q));
    if (higher.alias !== null) details[`${label}.sharesTestWith`] = quantileLabel(config.quantiles[higher.alias] as number);
    if (higher.bound !== null) {
      const calibration = calibrationFor(memory, higher.bound);
      details[`${label}.burstinessBound`] = evidenceNumber(calibration.bound);
      details[`${label}.burstinessBasis`] = calibration.basis;
    }
  });
  const headlineTail = memory.higher.find((tail) => tail.bound !== null);
  Object.assign(
    details,
    calibrationDetails(headlineTail?.bound != null ? calibrationFor(memory, headlineTail.bound) : (memory.calibrations[FALLBACK] as BurstinessCalibration)),
  );

  return {
    stats: headlineStats(config, read.value),
    evidence: { judge: TYPE, regressed: decision.regressed, improved: decision.improved, pValue: evidenceNumber(decision.pValue), details },
    memory,
  };
}

/** The all-bucket test's outcome: one test over every bucket, the quantiles as descriptions. */
function bucketOutcome(spec: MetricSpec, config: SequentialHistogramConfig, memory: HistogramMemory, histograms: PerVariant<Histogram>): JudgeOutcome {
  const buckets = memory.buckets as BucketTestMemory;
  const spent = buckets.jitter.alphaSpent;
  const decision = decide(spec.direction, config.alpha, Math.min(1, buckets.higherPValue + spent), Math.min(1, buckets.lowerPValue + spent));
  const testAlpha = config.alpha - spent;
  const details: Record<string, number | string | boolean | null | number[]> = {
    method: "all-bucket e-process over the analysis: canary latency = baseline × e^(d + jitter), shape and jitter bound from the baseline's history",
    eValue: evidenceNumber(shiftEValue(buckets.higher).eValue),
    improvementEValue: evidenceNumber(shiftEValue(buckets.lower).eValue),
    threshold: evidenceNumber(1 / (spec.direction === 'both' ? testAlpha / 2 : testAlpha)),
    allowedIncrease: config.allowedIncrease,
    alpha: config.alpha,
    quantiles: [...config.quantiles],
    intervals: buckets.higher.intervals,
    canaryCount: evidenceNumber(histograms.canary.total),
    baselineCount: evidenceNumber(histograms.baseline.total),
    jitterBound: evidenceNumber(buckets.jitter.bound),
    jitterEstimate: evidenceNumber(buckets.jitter.estimate),
    historyIntervals: buckets.jitter.intervals,
    calibrationAlpha: evidenceNumber(spent),
    burstinessBasis: 'history',
  };
  for (const q of config.quantiles) {
    details[`${quantileLabel(q)}.baseline`] = evidenceNumber(interpolatedQuantile(histograms.baseline, q));
    details[`${quantileLabel(q)}.canary`] = evidenceNumber(interpolatedQuantile(histograms.canary, q));
  }
  return {
    stats: headlineStats(config, histograms),
    evidence: { judge: TYPE, regressed: decision.regressed, improved: decision.improved, pValue: evidenceNumber(decision.pValue), details },
    memory,
  };
}

function headlineStats(config: SequentialHistogramConfig, { canary, baseline }: PerVariant<Histogram>): JudgeOutcome['stats'] {
  const headline = config.quantiles[config.quantiles.length - 1] as number;
  const baselineValue = interpolatedQuantile(baseline, headline);
  const canaryValue = interpolatedQuantile(canary, headline);
  return baselineValue === null || canaryValue === null
    ? { baseline: baselineValue, canary: canaryValue, delta: null, change: null, ratio: null }
    : {
        baseline: baselineValue,
        canary: canaryValue,
        delta: canaryValue - baselineValue,
        change: safeRatio(canaryValue - baselineValue, Math.abs(baselineValue)),
        ratio: safeRatio(canaryValue, baselineValue),
      };
}

export const sequentialHistogramJudge: MetricJudge<SequentialHistogramConfig> = {
  type: TYPE,
  validate(judge: Record<string, unknown>): JudgeConfigProblem[] {
    const parsed = parseSequentialHistogramConfig(judge);
    return parsed.ok ? [] : parsed.problems;
  },
  queryShape: () => ({ kind: 'vector' }),
  windowMode: 'step',
  history(judge: Record<string, unknown>, selfName: string): HistoryRequest | null {
    const parsed = parseSequentialHistogramConfig(judge);
    if (!parsed.ok || parsed.config.dispersion !== 'calibrated') return null;
    return { metrics: [selfName], windowMs: parsed.config.historyMs };
  },
  compile: (judge) => parseSequentialHistogramConfig(judge),
  judge: judgeHistogram,
};
