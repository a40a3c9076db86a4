// The all-bucket latency e-process of sequential-histogram: "the canary's latency is the baseline's
// scaled by more than e^d0" (d0 = ln(1 + allowedIncrease)), from every bucket of both histograms.
//
// Model. In interval i the canary served a share ρ_i of the requests. Given n_ik requests in bucket
// k (both variants), the canary's count is binomial with θ_k = ρw_k / (ρw_k + 1 − ρ), w_k =
// P_d(k)/P_0(k): the canary's latency is the baseline's times e^(d + ε_i), P from the baseline's
// shape (latency-shape.ts), ε_i ~ N(0, v_i) a per-interval jitter of the canary's scale relative to
// the baseline's, v_i = T·(2s + p·(f_c + f_b − 2)) with T the jitter bound learnt from the
// baseline's history and f the pod factors (as in e-values-share.ts: s for jitter both variants
// share, p for the part that grows when a variant runs on fewer pods). H0: d ≤ d0, s, p ∈ [0, 1].
//
//   E_t = Σ_j w_j,i−1 Π_i L_i(d_j, v_j)  /  sup_{d ≤ d0, s, p} Π_i L_i(d, v(s, p))
//
// with L_i the binomial likelihoods of all buckets, integrated over ε_i by Gauss–Hermite. The
// numerator is a fixed-share forecaster over shifts d_j = d0 + 0.005·√2^j (0.5% to 2.6× slower,
// larger slowdowns are caught by the last) and jitter {0, the bound}. Universal inference as in
// e-values-share.ts; each interval's factor uses its own ρ_i, so the e-process goes on across
// steps. With d0 = 0 the null θ_k = ρ does not depend on the shape at all; with d0 > 0 it does,
// through the interpolated shape (a mild approximation, documented in the judge).
//
// `sign` −1 mirrors the test (the canary faster than e^−d0): shifts are negated.

import { isNumberArray, logAddExp, logSumExp } from './e-values-math.js';
import { type LatencyShape, shiftedProbabilities } from './latency-shape.js';
import { normalQuadrature } from './special-functions.js';

export const SHIFT_ALTERNATIVES: readonly number[] = Array.from({ length: 17 }, (_, j) => 0.005 * 2 ** (j / 2));
export const NULL_SHIFT_OFFSETS: readonly number[] = [0, 0.02, 0.1];
const JITTER_SHARED: readonly number[] = [0, 1 / 27, 1 / 9, 1 / 3, 1];
const JITTER_PODS: readonly number[] = [0, 1 / 9, 1 / 3, 1];
const NO_JITTER: readonly number[] = [0];
const SWITCH_RATE = 0.02;
const QUADRATURE = normalQuadrature(8);

export interface ShiftEProcessState {
  toleratedShift: number;
  sign: 1 | -1;
  jitterBound: number;
  podTerm: boolean;
  intervals: number;
  logNumerator: number;
  /** [alternative][jitter expert: none, the bound] */
  logWeights: number[];
  /** [null shift][p][s] */
  table: number[];
}

export interface ShiftIncrement {
  /** Non-cumulative bucket counts of this interval, finite bounds then +Inf, on the shape's bounds. */
  canary: readonly number[];
  baseline: readonly number[];
  canaryShare: number;
  canaryBurstFactor: number;
  baselineBurstFactor: number;
}

const podLevels = (state: { jitterBound: number; podTerm: boolean }): readonly number[] => (state.jitterBound > 0 && state.podTerm ? JITTER_PODS : NO_JITTER);
const sharedLevels = (state: { jitterBound: number }): readonly number[] => (state.jitterBound > 0 ? JITTER_SHARED : NO_JITTER);
const LOG_PRIOR = -Math.log(SHIFT_ALTERNATIVES.length * 2);

export function createShiftEProcess(options: { toleratedShift: number; sign: 1 | -1; jitterBound: number; podTerm: boolean }): ShiftEProcessState {
  const cells = NULL_SHIFT_OFFSETS.length * podLevels(options).length * sharedLevels(options).length;
  return {
    ...options,
    intervals: 0,
    logNumerator: 0,
    logWeights: new Array<number>(SHIFT_ALTERNATIVES.length * 2).fill(LOG_PRIOR),
    table: new Array<number>(cells).fill(0),
  };
}

/** The interval's log-likelihood as a function of the canary's relative shift. */
function shiftLikelihood(shape: LatencyShape, increment: ShiftIncrement, scratch: number[], base: readonly number[]): (d: number) => number {
  const rho = increment.canaryShare;
  return (d: number): number => {
    const p = shiftedProbabilities(shape, d, scratch);
    let value = 0;
    for (let k = 0; k < base.length; k++) {
      const x = increment.canary[k] as number;
      const y = increment.baseline[k] as number;
      if (x + y <= 0) continue;
      const w = (p[k] as number) / (base[k] as number);
      const theta = (rho * w) / (rho * w + 1 - rho);
      if (x > 0) value += x * Math.log(theta);
      if (y > 0) value += y * Math.log(1 - theta);
    }
    return value;
  };
}

/** Where the interval's likelihood in the shift peaks, and its curvature there (as a variance). */
function likelihoodPeak(like: (d: number) => number): { mode: number; variance: number } {
  let best = 0;
  let bestValue = -Infinity;
  for (let d = -1.5; d <= 1.5 + 1e-9; d += 0.05) {
    const value = like(d);
    if (value > bestValue) {
      bestValue = value;
      best = d;
    }
  }
  // Two rounds of a parabola through three points, the second on a finer scale.
  for (const h of [0.05, 0.005]) {
    const left = like(best - h);
    const middle = like(best);
    const right = like(best + h);
    const curvature = (left - 2 * middle + right) / (h * h);
    if (!(curvature < 0)) return { mode: best, variance: 1 };
    best -= (right - left) / (2 * h * curvature);
    if (h === 0.005) return { mode: best, variance: -1 / curvature };
  }
  return { mode: best, variance: 1 };
}

const LOG_SQRT_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/**
 * ln ∫ L(shift + ε) N(ε; 0, variance) dε by adaptive Gauss–Hermite: nodes centred and scaled on the
 * integrand's Gaussian approximation (the likelihood's peak and curvature combined with the jitter
 * prior), so a likelihood far narrower than the jitter (thousands of requests an interval) is
 * integrated as accurately as a wide one.
 */
function jitteredLogLikelihood(like: (d: number) => number, peak: { mode: number; variance: number }, shift: number, variance: number): number {
  if (!(variance > 0)) return like(shift);
  const precision = 1 / peak.variance + 1 / variance;
  const centre = (peak.mode - shift) / peak.variance / precision;
  const scale = 1 / Math.sqrt(precision);
  const terms = QUADRATURE.nodes.map((z, h) => {
    const epsilon = centre + scale * z;
    const logPrior = (-0.5 * (epsilon * epsilon)) / variance - 0.5 * Math.log(variance) - LOG_SQRT_TWO_PI;
    const logStandard = -0.5 * z * z - LOG_SQRT_TWO_PI;
    return Math.log(QUADRATURE.weights[h] as number) + like(shift + epsilon) + logPrior - logStandard + Math.log(scale);
  });
  return logSumExp(terms);
}

export function updateShiftEProcess(state: ShiftEProcessState, shape: LatencyShape, increment: ShiftIncrement): ShiftEProcessState {
  const total = increment.canary.reduce((sum, count) => sum + count, 0) + increment.baseline.reduce((sum, count) => sum + count, 0);
  if (!(total > 0) || !(increment.canaryShare > 0 && increment.canaryShare < 1)) return state;
  const scratch: number[] = [];
  const base = shiftedProbabilities(shape, 0, []);
  const spread = increment.canaryBurstFactor + increment.baselineBurstFactor;
  const fullVariance = state.jitterBound * (state.podTerm ? spread : 2);
  const signed = shiftLikelihood(shape, increment, scratch, base);
  // The hypotheses are about sign·d: work in that coordinate.
  const interval = (d: number): number => signed(state.sign * d);
  const peak = likelihoodPeak(interval);
  const like = (shift: number, variance: number): number => jitteredLogLikelihood(interval, peak, shift, variance);

  const joint = state.logWeights.map((logWeight, cell) => {
    const shift = state.toleratedShift + (SHIFT_ALTERNATIVES[Math.floor(cell / 2)] as number);
    return logWeight + like(shift, cell % 2 === 0 ? 0 : fullVariance);
  });
  const logPredictive = logSumExp(joint);
  const keep = Math.log1p(-SWITCH_RATE);
  const handBack = Math.log(SWITCH_RATE) + LOG_PRIOR;
  const logWeights = joint.map((value) => logAddExp(keep + value - logPredictive, handBack));

  const pods = podLevels(state);
  const shared = sharedLevels(state);
  const table = state.table.slice();
  let cell = 0;
  for (const offset of NULL_SHIFT_OFFSETS) {
    for (const p of pods) {
      for (const s of shared) {
        table[cell] = (table[cell] as number) + like(state.toleratedShift - offset, state.jitterBound * (2 * s + p * (spread - 2)));
        cell++;
      }
    }
  }
  return { ...state, intervals: state.intervals + 1, logNumerator: state.logNumerator + logPredictive, logWeights, table };
}

export function shiftEValue(state: ShiftEProcessState): { eValue: number; logEValue: number } {
  const logEValue = state.logNumerator - Math.max(...state.table);
  return { eValue: Math.exp(logEValue), logEValue };
}

export function isShiftEProcessState(value: unknown): value is ShiftEProcessState {
  if (typeof value !== 'object' || value === null) return false;
  const state = value as Record<string, unknown>;
  return (
    typeof state['toleratedShift'] === 'number' &&
    (state['sign'] === 1 || state['sign'] === -1) &&
    typeof state['jitterBound'] === 'number' &&
    typeof state['podTerm'] === 'boolean' &&
    typeof state['intervals'] === 'number' &&
    typeof state['logNumerator'] === 'number' &&
    isNumberArray(state['logWeights']) &&
    isNumberArray(state['table']) &&
    state['logWeights'].length === SHIFT_ALTERNATIVES.length * 2 &&
    state['table'].length === NULL_SHIFT_OFFSETS.length * podLevels(value as ShiftEProcessState).length * sharedLevels(value as ShiftEProcessState).length
  );
}
