// The latency shape behind the all-bucket test of sequential-histogram: the baseline's bucket
// probabilities from its history (pooled), the probabilities of the same latency scaled by e^d,
// and the per-interval jitter of the baseline's latency scale, bounded from that history.
//
// F(b) between bucket bounds is a monotone cubic in ln b (Fritsch–Carlson: smooth, never
// overshooting; a straight line would make the density jump at every bound, so a small shift would
// move the wrong mass); below the first bound and above the last it goes on with the nearest
// segment's slope, clamped to [0, 1].
// P_d(k) = F(b_k·e^−d) − F(b_{k−1}·e^−d): the share of bucket k when every latency is e^d times
// the baseline's. Tabulated on a grid of d, interpolated linearly.

import { normalQuantile } from './normal.js';

const GRID_MIN = -3;
const GRID_MAX = 3;
const GRID_STEP = 0.01;
const SMOOTHING = 0.5;

export interface LatencyShape {
  /** Finite bucket bounds (the last bucket is +Inf). */
  bounds: number[];
  /** Row-major [d index][bucket]: P_d(k), buckets = bounds.length + 1. */
  table: number[];
}

export interface JitterBound {
  /** τ²: the per-interval variance of the baseline's log latency scale, upper bound. */
  bound: number;
  estimate: number;
  intervals: number;
  alphaSpent: number;
}

/** Fritsch–Carlson slopes of a monotone cubic through (xs, ys). */
function monotoneSlopes(xs: readonly number[], ys: readonly number[]): number[] {
  const n = xs.length;
  const secants = Array.from({ length: n - 1 }, (_, i) => ((ys[i + 1] as number) - (ys[i] as number)) / ((xs[i + 1] as number) - (xs[i] as number)));
  const slopes = xs.map((_, i) =>
    i === 0 ? (secants[0] as number) : i === n - 1 ? (secants[n - 2] as number) : ((secants[i - 1] as number) + (secants[i] as number)) / 2,
  );
  for (let i = 0; i < n - 1; i++) {
    const secant = secants[i] as number;
    if (secant === 0) {
      slopes[i] = 0;
      slopes[i + 1] = 0;
      continue;
    }
    const a = (slopes[i] as number) / secant;
    const b = (slopes[i + 1] as number) / secant;
    const norm = a * a + b * b;
    if (norm > 9) {
      const t = 3 / Math.sqrt(norm);
      slopes[i] = t * a * secant;
      slopes[i + 1] = t * b * secant;
    }
  }
  return slopes;
}

function cdfAt(logBounds: readonly number[], cdf: readonly number[], slopes: readonly number[], x: number): number {
  const lx = Math.log(x);
  const n = logBounds.length;
  if (n === 1) return lx <= (logBounds[0] as number) ? (cdf[0] as number) : 1;
  let value: number;
  if (lx <= (logBounds[0] as number)) value = (cdf[0] as number) + (slopes[0] as number) * (lx - (logBounds[0] as number));
  else if (lx >= (logBounds[n - 1] as number)) value = (cdf[n - 1] as number) + (slopes[n - 1] as number) * (lx - (logBounds[n - 1] as number));
  else {
    let k = 0;
    while (lx > (logBounds[k + 1] as number)) k++;
    const x0 = logBounds[k] as number;
    const width = (logBounds[k + 1] as number) - x0;
    const t = (lx - x0) / width;
    const h00 = 2 * t ** 3 - 3 * t ** 2 + 1;
    const h10 = t ** 3 - 2 * t ** 2 + t;
    const h01 = -2 * t ** 3 + 3 * t ** 2;
    const h11 = t ** 3 - t ** 2;
    value = h00 * (cdf[k] as number) + h10 * width * (slopes[k] as number) + h01 * (cdf[k + 1] as number) + h11 * width * (slopes[k + 1] as number);
  }
  return Math.min(1, Math.max(0, value));
}

/** The shape from pooled bucket counts (non-cumulative, bounds then +Inf), smoothed by ½ a request per bucket. */
export function latencyShape(bounds: readonly number[], counts: readonly number[]): LatencyShape {
  const smoothed = counts.map((count) => Math.max(0, count) + SMOOTHING);
  const total = smoothed.reduce((sum, count) => sum + count, 0);
  const cdf: number[] = [];
  let running = 0;
  for (let k = 0; k < bounds.length; k++) {
    running += smoothed[k] as number;
    cdf.push(running / total);
  }
  const logBounds = bounds.map(Math.log);
  const slopes = monotoneSlopes(logBounds, cdf);
  const table: number[] = [];
  for (let d = GRID_MIN; d <= GRID_MAX + 1e-9; d += GRID_STEP) {
    const scale = Math.exp(-d);
    let previous = 0;
    for (const bound of bounds) {
      const at = cdfAt(logBounds, cdf, slopes, bound * scale);
      table.push(Math.max(1e-12, at - previous));
      previous = Math.max(previous, at);
    }
    table.push(Math.max(1e-12, 1 - previous));
  }
  return { bounds: [...bounds], table };
}

/** P_d(k) for every bucket, interpolated on the table (d clamped to the grid). */
export function shiftedProbabilities(shape: LatencyShape, d: number, into: number[]): number[] {
  const width = shape.bounds.length + 1;
  const position = (Math.min(GRID_MAX, Math.max(GRID_MIN, d)) - GRID_MIN) / GRID_STEP;
  const low = Math.min(Math.floor(position), Math.round((GRID_MAX - GRID_MIN) / GRID_STEP) - 1);
  const t = position - low;
  for (let k = 0; k < width; k++) into[k] = (1 - t) * (shape.table[low * width + k] as number) + t * (shape.table[(low + 1) * width + k] as number);
  return into;
}

/** ln-likelihood of one interval's bucket counts under the shape shifted by d (multinomial kernel). */
function shiftLogLikelihood(shape: LatencyShape, counts: readonly number[], d: number, scratch: number[]): number {
  const p = shiftedProbabilities(shape, d, scratch);
  let value = 0;
  for (let k = 0; k < counts.length; k++) if ((counts[k] as number) > 0) value += (counts[k] as number) * Math.log(p[k] as number);
  return value;
}

/**
 * τ² of the baseline's per-interval log latency scale: per history interval the shift d̂_t that fits
 * best (grid, then a parabola) and its sampling variance from the curvature; τ² = Var(d̂) − mean
 * sampling variance, with a one-sided upper bound at confidence 1 − δ (δ = 0.1·alpha).
 */
export function calibrateJitter(shape: LatencyShape, intervals: readonly number[][], alpha: number): JitterBound {
  const scratch: number[] = [];
  const fits: Array<{ shift: number; variance: number }> = [];
  for (const counts of intervals) {
    const total = counts.reduce((sum, count) => sum + count, 0);
    if (!(total >= 20)) continue;
    let best = 0;
    let bestValue = -Infinity;
    for (let d = -0.5; d <= 0.5 + 1e-9; d += 0.02) {
      const value = shiftLogLikelihood(shape, counts, d, scratch);
      if (value > bestValue) {
        bestValue = value;
        best = d;
      }
    }
    const h = 0.02;
    const left = shiftLogLikelihood(shape, counts, best - h, scratch);
    const right = shiftLogLikelihood(shape, counts, best + h, scratch);
    const curvature = (left - 2 * bestValue + right) / (h * h);
    if (!(curvature < 0)) continue;
    const shift = best - (right - left) / (2 * h * curvature);
    fits.push({ shift, variance: -1 / curvature });
  }
  const alphaSpent = 0.1 * alpha;
  if (fits.length < 20) return { bound: Infinity, estimate: Number.NaN, intervals: fits.length, alphaSpent: 0 };
  const mean = fits.reduce((sum, fit) => sum + fit.shift, 0) / fits.length;
  const spread = fits.reduce((sum, fit) => sum + (fit.shift - mean) ** 2, 0) / (fits.length - 1);
  const sampling = fits.reduce((sum, fit) => sum + fit.variance, 0) / fits.length;
  const z = normalQuantile(1 - alphaSpent);
  const upper = spread * (1 + z * Math.sqrt(2 / (fits.length - 1)));
  return { bound: Math.max(0, upper - sampling), estimate: spread - sampling, intervals: fits.length, alphaSpent };
}
