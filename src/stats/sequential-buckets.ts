// The all-bucket test of sequential-histogram, used when the baseline's history gives a latency
// shape and a jitter bound (dispersion: calibrated): its memory, its calibration and one tick.

import type { Measurement } from '../analysis/types.js';
import { podBurstFactors } from './burstiness.js';
import { isNumberArray } from './e-values-math.js';
import { createShiftEProcess, isShiftEProcessState, type ShiftEProcessState, shiftEValue, updateShiftEProcess } from './e-values-shift.js';
import { calibrateJitter, type JitterBound, type LatencyShape, latencyShape } from './latency-shape.js';
import { advance, runningPValue } from './sequential-decision.js';
import { bucketHistory } from './sequential-history.js';
import { countAtOrBelow, type Histogram, type PerVariant } from './sequential-readings.js';

export interface BucketTestMemory {
  bounds: number[];
  /** The baseline's pooled history per bucket (bounds then +Inf): the shape, rebuilt when needed. */
  pooled: number[];
  jitter: JitterBound;
  /** Cumulative counts since the step began at each bound (then the total), per variant. */
  seen: PerVariant<number[]>;
  higher: ShiftEProcessState;
  lower: ShiftEProcessState;
  higherPValue: number;
  lowerPValue: number;
}

const shapes = new Map<string, LatencyShape>();

function shapeOf(memory: { bounds: number[]; pooled: number[] }): LatencyShape {
  const key = JSON.stringify([memory.bounds, memory.pooled]);
  let shape = shapes.get(key);
  if (shape === undefined) {
    if (shapes.size > 256) shapes.clear();
    shape = latencyShape(memory.bounds, memory.pooled);
    shapes.set(key, shape);
  }
  return shape;
}

/** Per-interval, non-cumulative bucket counts of the history (bounds then +Inf), or null when unusable. */
function historyIntervals(measurement: Measurement | undefined): { bounds: number[]; intervals: number[][] } | null {
  const history = bucketHistory(measurement);
  if (typeof history === 'string') return null;
  const { byBound, totals } = history;
  const bounds = [...byBound.keys()].sort((a, b) => a - b);
  if (bounds.length < 2) return null;
  const intervals: number[][] = [];
  for (const [at, total] of totals) {
    let previous = 0;
    const counts: number[] = [];
    for (const bound of bounds) {
      const cumulative = Math.max(previous, byBound.get(bound)?.get(at) ?? Number.NaN);
      if (!Number.isFinite(cumulative)) break;
      counts.push(cumulative - previous);
      previous = cumulative;
    }
    if (counts.length !== bounds.length) continue;
    counts.push(Math.max(0, total - previous));
    intervals.push(counts);
  }
  return { bounds, intervals };
}

const MIN_HISTORY_REQUESTS = 1000;

/** The all-bucket test's starting memory, or null when the history cannot give a shape and a jitter bound. */
export function startBucketTest(history: Measurement | undefined, toleratedIncrease: number, alpha: number): BucketTestMemory | null {
  const parsed = historyIntervals(history);
  if (parsed === null) return null;
  const pooled = parsed.bounds.map(() => 0).concat(0);
  for (const counts of parsed.intervals) {
    counts.forEach((count, k) => {
      pooled[k] = (pooled[k] as number) + count;
    });
  }
  if (pooled.reduce((sum, count) => sum + count, 0) < MIN_HISTORY_REQUESTS) return null;
  const shape = shapeOf({ bounds: parsed.bounds, pooled });
  const jitter = calibrateJitter(shape, parsed.intervals, alpha);
  if (!Number.isFinite(jitter.bound)) return null;
  const options = { toleratedShift: Math.log(1 + toleratedIncrease), jitterBound: jitter.bound, podTerm: true };
  const zeros = (): number[] => new Array<number>(parsed.bounds.length + 1).fill(0);
  return {
    bounds: parsed.bounds,
    pooled,
    jitter,
    seen: { canary: zeros(), baseline: zeros() },
    higher: createShiftEProcess({ ...options, sign: 1 }),
    lower: createShiftEProcess({ ...options, sign: -1 }),
    higherPValue: 1,
    lowerPValue: 1,
  };
}

export function isBucketTestMemory(value: unknown): value is BucketTestMemory {
  if (typeof value !== 'object' || value === null) return false;
  const memory = value as Partial<BucketTestMemory>;
  const seen = memory.seen as Partial<PerVariant<unknown>> | undefined;
  return (
    isNumberArray(memory.bounds) &&
    isNumberArray(memory.pooled) &&
    typeof memory.jitter === 'object' &&
    memory.jitter !== null &&
    typeof seen === 'object' &&
    seen !== null &&
    isNumberArray(seen.canary) &&
    isNumberArray(seen.baseline) &&
    isShiftEProcessState(memory.higher) &&
    isShiftEProcessState(memory.lower) &&
    typeof memory.higherPValue === 'number' &&
    typeof memory.lowerPValue === 'number'
  );
}

export function newStepBucketTest(memory: BucketTestMemory): BucketTestMemory {
  const zeros = (): number[] => new Array<number>(memory.bounds.length + 1).fill(0);
  return { ...memory, seen: { canary: zeros(), baseline: zeros() } };
}

/** Cumulative counts at the shape's bounds, then the total. */
function cumulativeAt(histogram: Histogram, bounds: readonly number[]): number[] {
  return [...bounds.map((bound) => countAtOrBelow(histogram, bound)), histogram.total];
}

/** One tick: this interval's bucket increments into both e-processes. */
export function trackBucketTest(memory: BucketTestMemory, histograms: PerVariant<Histogram>): BucketTestMemory {
  const increments = (seen: number[], now: number[]): { seen: number[]; counts: number[] } => {
    const advanced = now.map((value, k) => advance(seen[k] as number, value));
    const cumulative = advanced.map((entry) => entry.increment);
    const counts = cumulative.map((value, k) => Math.max(0, value - (k === 0 ? 0 : (cumulative[k - 1] as number))));
    return { seen: advanced.map((entry) => entry.seen), counts };
  };
  const canary = increments(memory.seen.canary, cumulativeAt(histograms.canary, memory.bounds));
  const baseline = increments(memory.seen.baseline, cumulativeAt(histograms.baseline, memory.bounds));
  const seen = { canary: canary.seen, baseline: baseline.seen };
  const canaryTotal = canary.counts.reduce((sum, count) => sum + count, 0);
  const baselineTotal = baseline.counts.reduce((sum, count) => sum + count, 0);
  if (!(canaryTotal > 0 && baselineTotal > 0)) return { ...memory, seen };
  const share = canaryTotal / (canaryTotal + baselineTotal);
  const factors = podBurstFactors(share);
  const shape = shapeOf(memory);
  const increment = {
    canary: canary.counts,
    baseline: baseline.counts,
    canaryShare: share,
    canaryBurstFactor: factors.canary,
    baselineBurstFactor: factors.baseline,
  };
  const higher = updateShiftEProcess(memory.higher, shape, increment);
  const lower = updateShiftEProcess(memory.lower, shape, increment);
  return {
    ...memory,
    seen,
    higher,
    lower,
    higherPValue: runningPValue(memory.higherPValue, shiftEValue(higher).eValue),
    lowerPValue: runningPValue(memory.lowerPValue, shiftEValue(lower).eValue),
  };
}
