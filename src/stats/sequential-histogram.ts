// Judge `sequential-histogram`: is the canary's latency worse than the baseline's at the given
// quantiles by more than allowedIncrease? Anytime-valid, from Prometheus histogram buckets
// (`sum by (le) (increase(…_bucket[{{ window }}]))`, counts since the step began).
//
// Per quantile q:
// 1. Once the baseline has enough data (≥ 10/(1−q) requests), lock a bucket bound b: the bound at
//    which the baseline's cumulative share is nearest to q in log-odds (buckets are coarse, so this
//    is the bound that says most about that quantile). It stays fixed for the step, so the test
//    below is one fixed hypothesis, not a moving target.
// 2. H0 "canary's q-quantile ≤ (1 + a) × baseline's", for a canary whose latency is the baseline's
//    scaled by at most 1 + a, implies P(canary > b) ≤ P(baseline > b/(1 + a)). Both sides are
//    counts: canary requests slower than b (exact: b is a bucket bound) and baseline requests slower
//    than b/(1 + a) (interpolated linearly inside its bucket, as histogram_quantile does), with the
//    variants' request totals as exposure. That is the count test of e-values-share.ts with r0 = 1,
//    overdispersion-robust like sequential-count.
// 3. α is split evenly over the quantiles (Bonferroni); the reported p-value is the adjusted one.
//
// Caveats, documented for users: a shift smaller than the bucket resolution only shows through
// the tail share at b, which is what is tested; with allowedIncrease > 0 the tolerated threshold
// b/(1 + a) is interpolated, which is conservative when the density falls inside that bucket (the
// usual case above the mode) and can be lenient-to-anticonservative where it rises; the lock-in
// uses the data up to the locking tick, which the test then also uses (a mild selection effect,
// since the bound is chosen from the baseline's quantile, not from the comparison). The mirrored
// test (canary faster) locks on the canary's quantile and gives `improved`.

import type { MetricSpec } from '../analysis/types.js';
import type { JudgeConfigProblem, JudgeContext, JudgeOutcome, MetricJudge, VariantMeasurements } from './judge.js';
import {
  createShareEProcess,
  fitsShareOptions,
  isShareEProcessState,
  shareEValue,
  type ShareEProcessOptions,
  type ShareEProcessState,
  updateShareEProcess,
} from './e-values-share.js';
import { parseSequentialHistogramConfig, quantileLabel, type SequentialHistogramConfig } from './sequential-config.js';
import { advance, decide, evidenceNumber, problemOutcome, runningPValue, safeRatio } from './sequential-decision.js';
import { countAtOrBelow, type Histogram, interpolatedQuantile, readHistograms } from './sequential-readings.js';

const TYPE = 'sequential-histogram';
/** Expected reference requests beyond the quantile before its bucket bound is locked. */
const LOCK_TAIL_COUNT = 10;

interface TailSeen {
  slow: number;
  tolerated: number;
  worseTotal: number;
  referenceTotal: number;
}

interface TailMemory {
  /** The locked bucket bound, or null while the reference has too little data (or q lies in +Inf). */
  bound: number | null;
  seen: TailSeen;
  state: ShareEProcessState;
  pValue: number;
  eValue: number;
}

interface HistogramMemory {
  judge: typeof TYPE;
  quantiles: number[];
  higher: TailMemory[];
  lower: TailMemory[];
}

const NO_TAIL: TailSeen = { slow: 0, tolerated: 0, worseTotal: 0, referenceTotal: 0 };

function freshTail(options: ShareEProcessOptions): TailMemory {
  return { bound: null, seen: NO_TAIL, state: createShareEProcess(options), pValue: 1, eValue: 1 };
}

function isTail(value: unknown, options: ShareEProcessOptions): value is TailMemory {
  if (typeof value !== 'object' || value === null) return false;
  const tail = value as Partial<TailMemory>;
  const seen = tail.seen as Record<string, unknown> | undefined;
  return (
    (tail.bound === null || typeof tail.bound === 'number') &&
    typeof seen === 'object' &&
    seen !== null &&
    Object.keys(NO_TAIL).every((key) => typeof seen[key] === 'number') &&
    isShareEProcessState(tail.state) &&
    fitsShareOptions(tail.state, options) &&
    typeof tail.pValue === 'number' &&
    typeof tail.eValue === 'number'
  );
}

function restoreMemory(memory: unknown, config: SequentialHistogramConfig, options: ShareEProcessOptions): HistogramMemory {
  if (typeof memory === 'object' && memory !== null) {
    const candidate = memory as Partial<HistogramMemory>;
    const sameQuantiles =
      Array.isArray(candidate.quantiles) &&
      candidate.quantiles.length === config.quantiles.length &&
      candidate.quantiles.every((q, i) => q === config.quantiles[i]);
    const tailsFit = (tails: unknown): boolean =>
      Array.isArray(tails) && tails.length === config.quantiles.length && tails.every((tail) => isTail(tail, options));
    if (candidate.judge === TYPE && sameQuantiles && tailsFit(candidate.higher) && tailsFit(candidate.lower)) {
      return candidate as HistogramMemory;
    }
  }
  return {
    judge: TYPE,
    quantiles: [...config.quantiles],
    higher: config.quantiles.map(() => freshTail(options)),
    lower: config.quantiles.map(() => freshTail(options)),
  };
}

const logit = (p: number): number => Math.log(p / (1 - p));

/**
 * The bucket bound whose reference CDF is nearest to q in log-odds (buckets are coarse; the bound
 * with the most informative tail near the quantile), or null while the reference has too little data.
 */
function lockBound(reference: Histogram, quantile: number): number | null {
  if (reference.total * (1 - quantile) < LOCK_TAIL_COUNT) return null;
  let best: number | null = null;
  let bestDistance = Infinity;
  reference.bounds.forEach((bound, k) => {
    const cdf = (reference.cumulative[k] as number) / reference.total;
    if (!(cdf > 0 && cdf < 1)) return;
    const distance = Math.abs(logit(cdf) - logit(quantile));
    if (distance < bestDistance) {
      bestDistance = distance;
      best = bound;
    }
  });
  return best;
}

/** One quantile, one direction: "worse" slower than (1 + a) × "reference" at the reference's q-quantile. */
function trackTail(tail: TailMemory, worse: Histogram, reference: Histogram, quantile: number, toleratedIncrease: number): TailMemory {
  const bound = tail.bound ?? lockBound(reference, quantile);
  if (bound === null) return tail;
  const slow = advance(tail.seen.slow, worse.total - countAtOrBelow(worse, bound));
  const tolerated = advance(tail.seen.tolerated, reference.total - countAtOrBelow(reference, bound / (1 + toleratedIncrease)));
  const worseTotal = advance(tail.seen.worseTotal, worse.total);
  const referenceTotal = advance(tail.seen.referenceTotal, reference.total);
  const seen = { slow: slow.seen, tolerated: tolerated.seen, worseTotal: worseTotal.seen, referenceTotal: referenceTotal.seen };
  const share =
    worseTotal.increment > 0 && referenceTotal.increment > 0
      ? worseTotal.increment / (worseTotal.increment + referenceTotal.increment)
      : seen.worseTotal / (seen.worseTotal + seen.referenceTotal);
  const state = updateShareEProcess(tail.state, { canaryEvents: slow.increment, baselineEvents: tolerated.increment, canaryShare: share });
  const { eValue } = shareEValue(state);
  return { bound, seen, state, eValue, pValue: runningPValue(tail.pValue, eValue) };
}

function judgeHistogram(spec: MetricSpec, own: VariantMeasurements, context: JudgeContext): JudgeOutcome {
  const parsed = parseSequentialHistogramConfig(spec.judge ?? { type: TYPE });
  if (!parsed.ok) {
    const message = parsed.problems.map((problem) => `judge.${problem.path.join('.')}: ${problem.message}`).join('; ');
    return problemOutcome(TYPE, { kind: 'error', message }, context.memory);
  }
  const config = parsed.config;
  const options: ShareEProcessOptions = { toleratedRatio: 1, robust: config.dispersion === 'robust' };
  const previous = restoreMemory(context.memory, config, options);

  const read = readHistograms(own, spec.name);
  if (!read.ok) return problemOutcome(TYPE, read.problem, previous);
  const { canary, baseline } = read.value;
  if (!(canary.total > 0) || !(baseline.total > 0)) {
    const empty = canary.total > 0 ? 'baseline' : 'canary';
    return problemOutcome(TYPE, { kind: 'missing', message: `${spec.name}: no ${empty} requests yet (+Inf bucket is 0)` }, previous);
  }

  const a = config.allowedIncrease;
  const memory: HistogramMemory = {
    ...previous,
    higher: previous.higher.map((tail, i) => trackTail(tail, canary, baseline, config.quantiles[i] as number, a)),
    lower: previous.lower.map((tail, i) => trackTail(tail, baseline, canary, config.quantiles[i] as number, a)),
  };
  const m = config.quantiles.length;
  const adjusted = (tails: TailMemory[]): number => Math.min(1, m * Math.min(...tails.map((tail) => tail.pValue)));
  const decision = decide(spec.direction, config.alpha, adjusted(memory.higher), adjusted(memory.lower));

  const details: Record<string, number | string | boolean | null | number[]> = {
    method: `${config.dispersion === 'robust' ? 'beta-binomial' : 'binomial'} e-process on the tail share at the baseline's quantile bucket, Bonferroni over quantiles`,
    threshold: evidenceNumber(m / (spec.direction === 'both' ? config.alpha / 2 : config.alpha)),
    allowedIncrease: a,
    alpha: config.alpha,
    quantiles: [...config.quantiles],
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
    details[`${label}.canarySlow`] = evidenceNumber(higher.seen.slow);
    details[`${label}.baselineTolerated`] = evidenceNumber(higher.seen.tolerated);
    details[`${label}.baseline`] = evidenceNumber(interpolatedQuantile(baseline, q));
    details[`${label}.canary`] = evidenceNumber(interpolatedQuantile(canary, q));
  });

  const headline = config.quantiles[m - 1] as number;
  const baselineValue = interpolatedQuantile(baseline, headline);
  const canaryValue = interpolatedQuantile(canary, headline);
  const stats =
    baselineValue === null || canaryValue === null
      ? { baseline: baselineValue, canary: canaryValue, delta: null, change: null, ratio: null }
      : {
          baseline: baselineValue,
          canary: canaryValue,
          delta: canaryValue - baselineValue,
          change: safeRatio(canaryValue - baselineValue, Math.abs(baselineValue)),
          ratio: safeRatio(canaryValue, baselineValue),
        };
  return {
    stats,
    evidence: { judge: TYPE, regressed: decision.regressed, improved: decision.improved, pValue: evidenceNumber(decision.pValue), details },
    memory,
  };
}

export const sequentialHistogramJudge: MetricJudge = {
  type: TYPE,
  validate(judge: Record<string, unknown>): JudgeConfigProblem[] {
    const parsed = parseSequentialHistogramConfig(judge);
    return parsed.ok ? [] : parsed.problems;
  },
  queryShape: () => ({ kind: 'vector' }),
  windowMode: 'step',
  judge: judgeHistogram,
};
