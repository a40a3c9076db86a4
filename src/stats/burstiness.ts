// Burstiness: how much a variant's event rate (errors per request, slow requests per request)
// varies from interval to interval beyond Poisson, and what that does to the canary's share of
// the events — the nuisance of the sequential judges.
//
// Model. In interval i each variant's rate is its mean times a multiplier G with E[G] = 1 and
// coefficient of variation² c² (a gamma multiplier: gamma-Poisson counts). Per-variant
// multipliers are independent; bursts common to both variants (traffic swings, a shared
// dependency) cancel in the share and need no term. Given n events, the canary's count is then
// binomial with a random share θ = ρrG_c / (ρrG_c + (1 − ρ)G_b). The judges use a beta-binomial
// with θ's mean and intra-class correlation ψ = Var θ / (E θ (1 − E θ)), computed here by
// quadrature on logit θ = logit(ρr/(ρr + 1 − ρ)) + ln G_c − ln G_b, whose two terms have the
// log-gamma mean ψ(k) − ln k and variance ψ₁(k) (k = 1/c²), taken as normal.
//
// The mean matters as much as ψ: conditioning on n biases the share towards the burstier variant
// (Jensen), which is why a Poisson-calibrated test aborts healthy bursty canaries.

import { digamma, normalQuadrature, trigamma } from './special-functions.js';

/** ψ is capped here: beyond it the beta-binomial is all-or-nothing and tells nothing more. */
export const MAX_INTRA_CLASS_CORRELATION = 0.66;
const QUADRATURE = normalQuadrature(12);
/** Below this variance of logit θ the expansion replaces the quadrature (error ~ variance²). */
const SMALL_LOG_VARIANCE = 0.01;

export interface ShareMoments {
  mean: number;
  /** Intra-class correlation ψ of the events in one interval (0: binomial). */
  icc: number;
}

const logistic = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

export interface LogMultiplierMoments {
  mean: number;
  variance: number;
}

/** E and Var of ln G for a gamma multiplier with mean 1 and CV² cv2 (0: G = 1). */
export function logMultiplierMoments(cv2: number): LogMultiplierMoments {
  if (!(cv2 > 0)) return { mean: 0, variance: 0 };
  const shape = 1 / cv2;
  return { mean: digamma(shape) - Math.log(shape), variance: trigamma(shape) };
}

/**
 * The share of events that come from variant x when x serves `share` of the traffic at `ratio`
 * times y's rate per request, with burstiness cv2X and cv2Y.
 */
export function shareMoments(share: number, ratio: number, cv2X: number, cv2Y: number): ShareMoments {
  return shareMomentsOf(share, ratio, logMultiplierMoments(cv2X), logMultiplierMoments(cv2Y));
}

/** The same with the log-multiplier moments computed once per burstiness (they do not depend on the ratio). */
export function shareMomentsOf(share: number, ratio: number, x: LogMultiplierMoments, y: LogMultiplierMoments): ShareMoments {
  const centre = Math.log((share * ratio) / (1 - share));
  if (!(x.variance > 0) && !(y.variance > 0)) return { mean: logistic(centre), icc: 0 };
  const location = centre + x.mean - y.mean;
  const variance = x.variance + y.variance;
  if (variance < SMALL_LOG_VARIANCE) {
    // Second-order expansion of the logistic: exact enough here, and ten times cheaper.
    const p = logistic(location);
    const slope = p * (1 - p);
    const mean = Math.min(1 - 1e-12, Math.max(1e-12, p + 0.5 * slope * (1 - 2 * p) * variance));
    return { mean, icc: Math.min(MAX_INTRA_CLASS_CORRELATION, (slope * slope * variance) / (mean * (1 - mean))) };
  }
  const scale = Math.sqrt(variance);
  let first = 0;
  let second = 0;
  for (let i = 0; i < QUADRATURE.nodes.length; i++) {
    const theta = logistic(location + scale * (QUADRATURE.nodes[i] as number));
    const weight = QUADRATURE.weights[i] as number;
    first += weight * theta;
    second += weight * theta * theta;
  }
  const mean = Math.min(1 - 1e-12, Math.max(1e-12, first));
  const icc = Math.max(0, (second - first * first) / (mean * (1 - mean)));
  return { mean, icc: Math.min(MAX_INTRA_CLASS_CORRELATION, icc) };
}

/**
 * Pods' bursts average out over more pods, so a variant on fewer pods is burstier. The history was
 * the baseline serving all the traffic on all the pods; during the canary, with pods serving equal
 * traffic, the canary runs on a share ρ of them and the baseline on 1 − ρ, so their c² are the
 * history's times 1/ρ and 1/(1 − ρ). Used only with a bound measured on the baseline's aggregate.
 */
export function podBurstFactors(canaryShare: number): { canary: number; baseline: number } {
  if (!(canaryShare > 0 && canaryShare < 1)) return { canary: 1, baseline: 1 };
  return { canary: 1 / canaryShare, baseline: 1 / (1 - canaryShare) };
}
