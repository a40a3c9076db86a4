// The burstiness bound of a sequential judge, learnt from the baseline's own history before the
// canary started: per interval, the baseline's events e_t and exposure m_t (requests) over the
// pre-period.
//
// Under the model of burstiness.ts, e_t is Poisson(m_t·p·G_t) with E[G] = 1, Var G = c², so
// E[(e_t − m_t p)² − e_t] = c²(m_t p)². The moment estimate ĉ² = Σ u_t / Σ μ_t² (u_t = (e_t −
// μ_t)² − e_t, μ_t = m_t p̂) with its sandwich standard error gives a one-sided upper bound B =
// ĉ² + z·se that misses c² with probability about δ; the judge then tests at α − δ, so its
// false-abort probability stays within α (union bound). Bursts shared with the canary inflate ĉ²,
// which only makes the test more careful.
//
// What history cannot tell:
// - a history with almost no events (fewer than MIN_HISTORY_EVENTS) shows no burstiness either
//   way: the bound is then the judge's `assumedBurstiness` for each variant (default 0.5: a
//   per-interval CV of about 70% beyond Poisson), without the pod factor. This is an assumption,
//   not a measurement, and the evidence says so; it is what lets a canary with a few percent of
//   errors over an error-free baseline abort in two ticks (with c² ≤ 1 it takes three);
//   The same assumption stands when the history has events but too few for a bound tighter than
//   it, as long as their estimate ĉ² does not exceed it (a history that shows more burstiness is
//   believed);
// - no history at all (the query failed or returned nothing): the robust worst case.

import { normalQuantile } from './normal.js';

export const MIN_HISTORY_EVENTS = 30;
export const MIN_HISTORY_INTERVALS = 20;
export const DEFAULT_ASSUMED_BURSTINESS = 0.5;
/**
 * The bound without history: c² ≤ 1, a per-interval CV of 100% per variant beyond Poisson (the
 * burstiest healthy noise of the detection benchmark). Larger bounds pull the null's mean share
 * towards ½ (with very skewed multipliers either variant is as likely to take most events), so a
 * small canary could then never be judged.
 */
export const ROBUST_BURSTINESS_BOUND = 1;
/** The largest bound a history can set. */
export const MAX_MEASURED_BURSTINESS = 4;
/** The share of α spent on the chance that the bound misses the real burstiness. */
export const CALIBRATION_ALPHA_SHARE = 0.1;

export interface IntervalCount {
  events: number;
  exposure: number;
}

export type BurstinessBasis = 'history' | 'silent-history' | 'no-history' | 'robust' | 'poisson';

export interface BurstinessCalibration {
  basis: BurstinessBasis;
  /** The bound B on c² used by the null. */
  bound: number;
  /** True when B was measured on the baseline's aggregate, so a canary on fewer pods gets the pod factor. */
  podFactor: boolean;
  /** The moment estimate ĉ² (null when there was too little history). */
  estimate: number | null;
  historyEvents: number;
  historyIntervals: number;
  /** The α spent on the calibration (δ), to subtract from the test's α. */
  alphaSpent: number;
  reason: string;
}

export function fixedCalibration(basis: 'robust' | 'poisson' | 'no-history', reason: string): BurstinessCalibration {
  const bound = basis === 'poisson' ? 0 : ROBUST_BURSTINESS_BOUND;
  return { basis, bound, podFactor: false, estimate: null, historyEvents: 0, historyIntervals: 0, alphaSpent: 0, reason };
}

/** The burstiness bound from the baseline's per-interval history, at confidence 1 − δ, δ = 0.1·alpha. */
export function calibrateBurstiness(history: readonly IntervalCount[], alpha: number, assumedBurstiness = DEFAULT_ASSUMED_BURSTINESS): BurstinessCalibration {
  const usable = history.filter(
    (interval) => Number.isFinite(interval.events) && Number.isFinite(interval.exposure) && interval.exposure > 0 && interval.events >= 0,
  );
  const events = usable.reduce((sum, interval) => sum + interval.events, 0);
  const exposure = usable.reduce((sum, interval) => sum + interval.exposure, 0);
  const base = { historyEvents: events, historyIntervals: usable.length };
  if (usable.length < MIN_HISTORY_INTERVALS) {
    return {
      ...fixedCalibration('no-history', `the baseline's history has ${usable.length} usable intervals (at least ${MIN_HISTORY_INTERVALS} needed)`),
      ...base,
    };
  }
  if (events < MIN_HISTORY_EVENTS) {
    return {
      basis: 'silent-history',
      bound: assumedBurstiness,
      podFactor: false,
      estimate: null,
      ...base,
      alphaSpent: 0,
      reason: `the baseline's history has ${events} events in ${usable.length} intervals, too few to show burstiness; assumed c² ≤ ${assumedBurstiness}`,
    };
  }
  const rate = events / exposure;
  let numerator = 0;
  let scale = 0;
  for (const interval of usable) {
    const expected = interval.exposure * rate;
    numerator += (interval.events - expected) ** 2 - interval.events;
    scale += expected * expected;
  }
  const estimate = numerator / scale;
  let spread = 0;
  for (const interval of usable) {
    const expected = interval.exposure * rate;
    spread += ((interval.events - expected) ** 2 - interval.events - estimate * expected * expected) ** 2;
  }
  const alphaSpent = CALIBRATION_ALPHA_SHARE * alpha;
  const bound = Math.min(MAX_MEASURED_BURSTINESS, Math.max(0, estimate) + normalQuantile(1 - alphaSpent) * (Math.sqrt(spread) / scale));
  if (bound > assumedBurstiness && estimate <= assumedBurstiness) {
    // Too few events for a tight bound, and nothing in them says the assumption is wrong.
    return {
      basis: 'silent-history',
      bound: assumedBurstiness,
      podFactor: false,
      estimate,
      ...base,
      alphaSpent: 0,
      reason: `the baseline's history (${events.toFixed(0)} events in ${usable.length} intervals) bounds c² only by ${bound.toPrecision(3)} and its estimate ${estimate.toPrecision(3)} fits the assumed c² ≤ ${assumedBurstiness}`,
    };
  }
  return {
    basis: 'history',
    bound,
    podFactor: true,
    estimate,
    ...base,
    alphaSpent,
    reason: `c² ≤ ${bound.toPrecision(3)} from ${events.toFixed(0)} baseline events in ${usable.length} intervals of history (estimate ${estimate.toPrecision(3)})`,
  };
}
