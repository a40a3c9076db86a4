// One quantile's tail test of the histogram judge, in one direction: the bucket bound it locks,
// its per-step counters, and its e-process.

import type { BurstinessCalibration } from './burstiness-calibration.js';
import { podBurstFactors } from './burstiness.js';
import { createShareEProcess, isShareEProcessState, shareEValue, type ShareEProcessState, updateShareEProcess } from './e-values-share.js';
import { advance, runningPValue } from './sequential-decision.js';
import { countAtOrBelow, type Histogram } from './sequential-readings.js';

/** Expected reference requests beyond the quantile before its bucket bound is locked. */
const LOCK_TAIL_COUNT = 10;

export interface TailCounts {
  slow: number;
  tolerated: number;
  worseTotal: number;
  referenceTotal: number;
}

export interface TailMemory {
  /** The locked bucket bound, or null while the reference has too little data (or q lies in +Inf). */
  bound: number | null;
  /** The index of an earlier quantile whose test this one shares (same bound), or null. */
  alias: number | null;
  /** Counters since the current step began (the query's window), and over the analysis. */
  seen: TailCounts;
  total: TailCounts;
  state: ShareEProcessState | null;
  pValue: number;
  eValue: number;
}

const NO_COUNTS: TailCounts = { slow: 0, tolerated: 0, worseTotal: 0, referenceTotal: 0 };

export function unlockedTail(): TailMemory {
  return { bound: null, alias: null, seen: NO_COUNTS, total: NO_COUNTS, state: null, pValue: 1, eValue: 1 };
}

/** At a step change the window restarts: so do the per-step counters, not the evidence. */
export function newStepTail(tail: TailMemory): TailMemory {
  return { ...tail, seen: NO_COUNTS };
}

function isCounts(value: unknown): value is TailCounts {
  return typeof value === 'object' && value !== null && Object.keys(NO_COUNTS).every((key) => typeof (value as Record<string, unknown>)[key] === 'number');
}

export function isTail(value: unknown): value is TailMemory {
  if (typeof value !== 'object' || value === null) return false;
  const tail = value as Partial<TailMemory>;
  return (
    (tail.bound === null || typeof tail.bound === 'number') &&
    (tail.alias === null || typeof tail.alias === 'number') &&
    isCounts(tail.seen) &&
    isCounts(tail.total) &&
    (tail.state === null || isShareEProcessState(tail.state)) &&
    typeof tail.pValue === 'number' &&
    typeof tail.eValue === 'number'
  );
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

export interface TailInput {
  worse: Histogram;
  reference: Histogram;
  quantile: number;
  toleratedIncrease: number;
  /** True for the regression test (the canary is "worse"), false for the mirrored one. */
  canaryIsWorse: boolean;
  calibrationFor(bound: number): BurstinessCalibration;
}

/** One quantile, one direction: "worse" slower than (1 + a) × "reference" at the reference's q-quantile. */
export function trackTail(tail: TailMemory, earlier: readonly TailMemory[], input: TailInput): TailMemory {
  if (tail.alias !== null) {
    const target = earlier[tail.alias] as TailMemory;
    return { ...target, alias: tail.alias };
  }
  let { bound, state } = tail;
  if (bound === null) {
    bound = lockBound(input.reference, input.quantile);
    if (bound === null) return tail;
    const shared = earlier.findIndex((other) => other.alias === null && other.bound === bound);
    if (shared >= 0) return { ...(earlier[shared] as TailMemory), alias: shared };
  }
  const calibration = input.calibrationFor(bound);
  state ??= createShareEProcess({ toleratedRatio: 1, burstinessBound: calibration.bound, podTerm: calibration.podFactor });
  const { worse, reference } = input;
  const slow = advance(tail.seen.slow, worse.total - countAtOrBelow(worse, bound));
  const tolerated = advance(tail.seen.tolerated, reference.total - countAtOrBelow(reference, bound / (1 + input.toleratedIncrease)));
  const worseTotal = advance(tail.seen.worseTotal, worse.total);
  const referenceTotal = advance(tail.seen.referenceTotal, reference.total);
  const seen = { slow: slow.seen, tolerated: tolerated.seen, worseTotal: worseTotal.seen, referenceTotal: referenceTotal.seen };
  const total = {
    slow: tail.total.slow + slow.increment,
    tolerated: tail.total.tolerated + tolerated.increment,
    worseTotal: tail.total.worseTotal + worseTotal.increment,
    referenceTotal: tail.total.referenceTotal + referenceTotal.increment,
  };
  const share =
    worseTotal.increment > 0 && referenceTotal.increment > 0
      ? worseTotal.increment / (worseTotal.increment + referenceTotal.increment)
      : seen.worseTotal / (seen.worseTotal + seen.referenceTotal);
  const canaryShare = input.canaryIsWorse ? share : 1 - share;
  const factors = calibration.podFactor ? podBurstFactors(canaryShare) : { canary: 1, baseline: 1 };
  const next = updateShareEProcess(state, {
    canaryEvents: slow.increment,
    baselineEvents: tolerated.increment,
    canaryShare: share,
    canaryBurstFactor: input.canaryIsWorse ? factors.canary : factors.baseline,
    baselineBurstFactor: input.canaryIsWorse ? factors.baseline : factors.canary,
  });
  const { eValue } = shareEValue(next);
  return { bound, alias: null, seen, total, state: next, eValue, pValue: runningPValue(tail.pValue, eValue) };
}
