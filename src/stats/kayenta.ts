// Kayenta's NetflixACAJudge metric classifier (spinnaker/kayenta, MannWhitneyClassifier.scala) on
// canary and baseline samples: Pass, High, Low or Nodata.
//
// 1. Preprocess each sample: non-finite values (NaN, ±Inf) are removed (nanStrategy "remove", the
//    default) or replaced by 0 ("replace"); then, only when configured, values outside
//    [Q1 − k·IQR, Q3 + k·IQR] are dropped (quartiles by linear interpolation, R's type 7; Kayenta
//    uses k = 3).
// 2. An empty sample → Nodata. Unlike Kayenta (which passes an empty sample under "replace"), no
//    data never passes here, whatever the strategy.
// 3. Identical samples (same multiset) or a single distinct value across both → Pass.
// 4. Otherwise the Wilcoxon rank-sum test (R's wilcox.test, see mann-whitney.ts) at `confidence`
//    gives the Hodges–Lehmann shift Δ̂ and its interval [lo, hi]:
//      higher: lo > 0.25·|Δ̂|  and effect size ≥ allowedIncrease
//      lower:  hi < −0.25·|Δ̂| and effect size ≤ allowedDecrease
//    High if higher and the direction allows an increase; Low if lower and it allows a decrease;
//    else Pass. Each sample constant but different (Kayenta adds random noise there) is decided
//    deterministically: the shift is exact and the interval is that single point.
//
// Effect size measures:
//   meanRatio  mean(canary) / mean(baseline); 1 means no change; defaults allowedIncrease =
//              allowedDecrease = 1 (no extra margin). A zero baseline mean gives +∞ when the canary
//              mean is positive (Kayenta reports 1.0 there, which let error spikes from a clean
//              baseline pass; spinnaker/kayenta#377), 1 when both are zero. Meant for non-negative metrics.
//   cles       common-language effect size (Vargha–Delaney A): the probability that a random canary
//              value exceeds a random baseline value, ties counting one half = U / (n_canary·n_baseline);
//              0.5 means no change; defaults allowedIncrease = allowedDecrease = 0.5. allowedIncrease
//              0.6 reads "High only if a canary value beats a baseline value at least 60% of the time".

import { mannWhitney } from './mann-whitney.js';

export type KayentaDirection = 'increase' | 'decrease' | 'either';
export type EffectSizeMeasure = 'meanRatio' | 'cles';
export type NanStrategy = 'remove' | 'replace';
export type KayentaClassification = 'Pass' | 'High' | 'Low' | 'Nodata';

export interface KayentaConfig {
  /** Confidence of the shift's interval, in (0, 1); default 0.98 (Kayenta's). */
  confidence?: number;
  /** Which change is a failure; default 'either' (Kayenta's). */
  direction?: KayentaDirection;
  effectSize?: { measure?: EffectSizeMeasure; allowedIncrease?: number; allowedDecrease?: number };
  /** Default 'remove'. */
  nanStrategy?: NanStrategy;
  /** IQR outlier removal; off when absent. */
  outliers?: { iqrFactor: number } | null;
}

export interface KayentaResult {
  classification: KayentaClassification;
  /** What the test and effect size say regardless of direction (Low with direction increase is 'lower' but Pass). */
  shift: 'higher' | 'lower' | 'none';
  u?: number;
  pValue?: number;
  estimate?: number;
  confidenceInterval?: [number, number];
  effectSize?: number;
  effectSizeMeasure: EffectSizeMeasure;
  canaryCount: number;
  baselineCount: number;
  /** Means of the preprocessed samples; null for an empty one. */
  canaryMean: number | null;
  baselineMean: number | null;
  /** Values dropped by preprocessing (non-finite under "remove", outliers). */
  removed: { canary: number; baseline: number };
  reason: string;
}

export const KAYENTA_DEFAULT_CONFIDENCE = 0.98;
/** Kayenta's tolerance: the interval must clear this fraction of |Δ̂|. */
export const KAYENTA_TOLERANCE = 0.25;
/** Kayenta's IQR factor when outlier removal is on. */
export const KAYENTA_IQR_FACTOR = 3;

export function defaultAllowedEffect(measure: EffectSizeMeasure): number {
  return measure === 'cles' ? 0.5 : 1;
}

const ascending = (a: number, b: number): number => a - b;

function quantileType7(sorted: readonly number[], probability: number): number {
  const h = (sorted.length - 1) * probability;
  const low = Math.floor(h);
  const lowValue = sorted[low] as number;
  const highValue = sorted[Math.min(low + 1, sorted.length - 1)] as number;
  return lowValue + (h - low) * (highValue - lowValue);
}

/** Non-finite handling, then optional IQR outlier removal. */
export function preprocessSamples(values: readonly number[], nanStrategy: NanStrategy, iqrFactor: number | null): number[] {
  const finite = nanStrategy === 'replace' ? values.map((value) => (Number.isFinite(value) ? value : 0)) : values.filter((value) => Number.isFinite(value));
  if (iqrFactor === null || finite.length === 0) return finite;
  const sorted = [...finite].sort(ascending);
  const q1 = quantileType7(sorted, 0.25);
  const q3 = quantileType7(sorted, 0.75);
  const spread = q3 - q1;
  const lowFence = q1 - iqrFactor * spread;
  const highFence = q3 + iqrFactor * spread;
  return finite.filter((value) => value >= lowFence && value <= highFence);
}

function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  let sum = 0;
  for (const value of values) sum += value;
  return sum / values.length;
}

function meanRatio(canaryMean: number, baselineMean: number): number {
  if (baselineMean !== 0) return canaryMean / baselineMean;
  if (canaryMean === 0) return 1;
  return canaryMean > 0 ? Infinity : -Infinity;
}

function sameMultiset(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  const sortedA = [...a].sort(ascending);
  const sortedB = [...b].sort(ascending);
  return sortedA.every((value, index) => value === sortedB[index]);
}

const show = (value: number): string => (Number.isFinite(value) ? String(Number(value.toPrecision(4))) : String(value));

/** Classifies canary against baseline as Kayenta's NetflixACAJudge does (see the file comment for the exact rules). */
export function classifyMannWhitney(canary: readonly number[], baseline: readonly number[], config: KayentaConfig = {}): KayentaResult {
  const confidence = config.confidence ?? KAYENTA_DEFAULT_CONFIDENCE;
  const direction = config.direction ?? 'either';
  const measure = config.effectSize?.measure ?? 'meanRatio';
  const allowedIncrease = config.effectSize?.allowedIncrease ?? defaultAllowedEffect(measure);
  const allowedDecrease = config.effectSize?.allowedDecrease ?? defaultAllowedEffect(measure);
  const iqrFactor = config.outliers ? config.outliers.iqrFactor : null;
  const nanStrategy = config.nanStrategy ?? 'remove';

  const cleanCanary = preprocessSamples(canary, nanStrategy, iqrFactor);
  const cleanBaseline = preprocessSamples(baseline, nanStrategy, iqrFactor);
  const canaryMean = mean(cleanCanary);
  const baselineMean = mean(cleanBaseline);
  const common = {
    effectSizeMeasure: measure,
    canaryCount: cleanCanary.length,
    baselineCount: cleanBaseline.length,
    canaryMean,
    baselineMean,
    removed: { canary: canary.length - cleanCanary.length, baseline: baseline.length - cleanBaseline.length },
  };

  if (canaryMean === null || baselineMean === null) {
    const empty = [canaryMean === null ? 'canary' : null, baselineMean === null ? 'baseline' : null].filter((name) => name !== null);
    return { ...common, classification: 'Nodata', shift: 'none', reason: `Nodata: no usable ${empty.join(' or ')} samples` };
  }

  const test = mannWhitney(cleanCanary, cleanBaseline, { confidence });
  const effectSize = measure === 'cles' ? test.u / (cleanCanary.length * cleanBaseline.length) : meanRatio(canaryMean, baselineMean);
  const measured = { ...common, u: test.u, pValue: test.pValue, estimate: test.estimate, confidenceInterval: test.confidenceInterval, effectSize };

  if (sameMultiset(cleanCanary, cleanBaseline)) {
    return { ...measured, classification: 'Pass', shift: 'none', reason: 'Pass: canary and baseline samples are identical' };
  }
  if (new Set([...cleanCanary, ...cleanBaseline]).size === 1) {
    return { ...measured, classification: 'Pass', shift: 'none', reason: 'Pass: every sample has the same value' };
  }

  const [low, high] = test.confidenceInterval;
  const bound = KAYENTA_TOLERANCE * Math.abs(test.estimate);
  const interval = `${show(confidence * 100)}% interval of the shift [${show(low)}, ${show(high)}]`;
  const higherByTest = low > bound;
  const lowerByTest = high < -bound;
  const higher = higherByTest && effectSize >= allowedIncrease;
  const lower = lowerByTest && effectSize <= allowedDecrease;
  const shift = higher ? 'higher' : lower ? 'lower' : 'none';
  const effect = `${measure} ${show(effectSize)}`;

  if (higher && direction !== 'decrease') {
    return {
      ...measured,
      classification: 'High',
      shift,
      reason: `High: ${interval} lies above ${KAYENTA_TOLERANCE}·|Δ̂| = ${show(bound)} and ${effect} ≥ allowedIncrease ${show(allowedIncrease)}`,
    };
  }
  if (lower && direction !== 'increase') {
    return {
      ...measured,
      classification: 'Low',
      shift,
      reason: `Low: ${interval} lies below −${KAYENTA_TOLERANCE}·|Δ̂| = ${show(-bound)} and ${effect} ≤ allowedDecrease ${show(allowedDecrease)}`,
    };
  }
  let reason: string;
  if (higher || lower) reason = `Pass: the canary is ${shift} (${interval}, ${effect}) but direction is ${direction}`;
  else if (higherByTest) reason = `Pass: ${interval} is above ${show(bound)} but ${effect} < allowedIncrease ${show(allowedIncrease)}`;
  else if (lowerByTest) reason = `Pass: ${interval} is below ${show(-bound)} but ${effect} > allowedDecrease ${show(allowedDecrease)}`;
  else reason = `Pass: ${interval} does not clear ±${KAYENTA_TOLERANCE}·|Δ̂| = ${show(bound)}`;
  return { ...measured, classification: 'Pass', shift, reason };
}
