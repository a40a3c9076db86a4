// The e-process behind the sequential judges: "the canary's event rate exceeds the baseline's by
// more than a tolerated ratio r0", from per-interval event counts and traffic shares, robust to
// overdispersion.
//
// Model (Lindon & Malek 2022). In interval i the canary served a share ρ_i of the traffic. Given
// n_i = x_i + y_i events (x canary, y baseline), each event came from the canary with probability
// θ_i(r) = ρ_i·r / (ρ_i·r + 1 − ρ_i), r = canary rate / baseline rate. H0: r ≤ r0.
//
// Overdispersion. Bursts that hit both variants in proportion (shared traffic swings, a shared
// dependency failing) leave this conditional binomial intact. Bursts that hit one variant alone (a
// bad pod, GC pauses) do not: θ_i then varies from interval to interval and a binomial test takes
// every burst for evidence. So x_i | n_i is modelled as beta-binomial with mean θ_i(r) and an
// unknown intra-class correlation ψ ≥ 0 (variance inflated by 1 + (n_i − 1)ψ; ψ = 0 is the
// binomial; independent gamma noise per pod, pods serving equal traffic, gives exactly this), and
// ψ is a nuisance:
//
//   E_t = Σ_j w_j Π_i BB(x_i | n_i, θ_i(r_j), ψ̂_{i−1})  /  sup_{null} Π_i BB(x_i | n_i, θ_i(r), ψ)
//
// The numerator is a predictable forecaster over experts (r_j, ψ_k): alternatives r_j = r0·e^λ
// (λ = 0.0125 … 1.6, doubling: 1.0126× to 5× r0, equal prior weights) times the ψ grid, half the
// prior mass on ψ = 0. The grid reaches down to 1.25% because at high counts (a latency tail share
// at hundreds of requests per second: thousands of events per interval) an alternative well above
// the true ratio forecasts worse than the null, so with λ ≥ 0.1 a small shift was rarely detected;
// effects beyond 5× are still caught by λ = 1.6, whose likelihood ratio against the null only grows
// with the effect. After each interval the weights are updated by Bayes and 0.5% of the mass is
// handed back to the prior ("fixed share", Herbster & Warmuth 1998), so the forecaster follows a
// regression that starts in the middle of a step instead of being stuck with the healthy intervals
// before it. The denominator maximises over the null: r ∈ r0·{1, 0.8, 0.5} and every ψ. This is
// universal inference (Wasserman, Ramdas & Balakrishnan 2020): whatever predictable forecaster (and
// whatever fixed prior over its experts) sits in the numerator, for every null distribution in the
// family the ratio is at most a test martingale, so P(sup_t E_t ≥ 1/α) ≤ α — exact under the
// beta-binomial model, and for Poisson counts even without ψ, since the denominator is then at least
// the binomial likelihood at r0.
//
// One more null row covers gamma-Poisson noise with the same burstiness in both variants, which
// the beta-binomial with mean θ0 does not contain: conditioning on n_i then biases the share upward
// (Jensen; about (1 − 2θ)ψ/2 for log-symmetric noise), so the null also allows a mean share of
// θ0 + s·(1 − 2θ0)·ψ/2 with s = 0.5. Without it, per-variant noise with a coefficient of variation
// of 1 per interval gave up to 12% false rejections at α = 0.5%; with it, about 1% at most.
//
// The price of robustness: one interval is never conclusive on its own at high counts (a burst and
// a regression look alike) and evidence accrues from the consistency of several intervals, like a
// t-test against a z-test. Under Poisson data ψ̂ ≈ 0 and the loss is smaller, but it remains (about
// 1.3–2× the Poisson-only test's time to detect in docs/detection-benchmark.md).
//
// Grids are finite: ψ = 0 and 1e-4 … 0.66 (tripling), the supremum refined by a parabola in ln ψ
// through the best three points.

import { betaBinomialLogKernel, betaBinomialLogKernelFast, betaBinomialPrecision, logGamma, logSumExp } from './e-values-math.js';

export const ALTERNATIVE_LOG_RATIOS: readonly number[] = [0.0125, 0.025, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6];
export const NULL_RATIO_FACTORS: readonly number[] = [1, 0.8, 0.5];
/** Null rows at r0 whose mean share is shifted by b·(1 − 2θ)·ψ/2 (see the file comment). */
export const NULL_SKEW_FACTORS: readonly number[] = [0.5];
export const DISPERSION_GRID: readonly number[] = [0, ...Array.from({ length: 9 }, (_, k) => 1e-4 * 3 ** k)];
const POISSON_GRID: readonly number[] = [0];
/** Fixed-share rate: the share of the numerator's weight returned to the prior after each interval. */
export const SWITCH_RATE = 0.005;

export interface ShareEProcessOptions {
  /** r0 = 1 + allowedIncrease: the canary/baseline rate ratio that is still acceptable. */
  toleratedRatio: number;
  /** true: profile out overdispersion (beta-binomial); false: the plain binomial (Poisson counts) e-process. */
  robust: boolean;
}

/** Plain data (JSON-serialisable): carried from tick to tick in the judge's memory. */
export interface ShareEProcessState {
  toleratedRatio: number;
  robust: boolean;
  /** Intervals that carried at least one event. */
  intervals: number;
  /** Σ_i ln q_i: the numerator's log predictive probability of the intervals so far. */
  logNumerator: number;
  /** The numerator's expert weights (log, normalised), row-major [alternative][ψ]. */
  logWeights: number[];
  /** Row-major [null row][ψ]: Σ_i ln BB(x_i | θ_i(r), ψ). */
  table: number[];
}

export interface ShareIncrement {
  canaryEvents: number;
  baselineEvents: number;
  /** The canary's share of the traffic in this interval, in (0, 1). */
  canaryShare: number;
}

export interface ShareEValue {
  eValue: number;
  logEValue: number;
  /** The numerator's weighted intra-class correlation ψ (0 = Poisson-like counts). */
  dispersion: number;
  intervals: number;
}

const eventShare = (share: number, ratio: number): number => (share * ratio) / (share * ratio + 1 - share);

function dispersionGrid(robust: boolean): readonly number[] {
  return robust ? DISPERSION_GRID : POISSON_GRID;
}

interface NullRow {
  ratio: number;
  skew: number;
}

function nullRows(toleratedRatio: number): NullRow[] {
  return [
    ...NULL_RATIO_FACTORS.map((factor) => ({ ratio: toleratedRatio * factor, skew: 0 })),
    ...NULL_SKEW_FACTORS.map((skew) => ({ ratio: toleratedRatio, skew })),
  ];
}

function nullShare(share: number, row: NullRow, psi: number): number {
  const theta = eventShare(share, row.ratio);
  if (row.skew === 0 || psi === 0) return theta;
  return Math.min(1 - 1e-9, Math.max(1e-9, theta + (row.skew * (1 - 2 * theta) * psi) / 2));
}

/** Prior weights of the experts: alternatives alike; half the mass on ψ = 0, the rest spread over ψ > 0. */
function logPrior(robust: boolean): number[] {
  const psiGrid = dispersionGrid(robust);
  const perAlternative = psiGrid.map((psi) => (psiGrid.length === 1 ? 0 : psi === 0 ? Math.log(0.5) : Math.log(0.5 / (psiGrid.length - 1))));
  return ALTERNATIVE_LOG_RATIOS.flatMap(() => perAlternative.map((weight) => weight - Math.log(ALTERNATIVE_LOG_RATIOS.length)));
}

export function createShareEProcess(options: ShareEProcessOptions): ShareEProcessState {
  const width = dispersionGrid(options.robust).length;
  return {
    toleratedRatio: options.toleratedRatio,
    robust: options.robust,
    intervals: 0,
    logNumerator: 0,
    logWeights: logPrior(options.robust),
    table: new Array<number>(nullRows(options.toleratedRatio).length * width).fill(0),
  };
}

/** True when a state from memory was built for these options and has the expected layout. */
export function fitsShareOptions(state: ShareEProcessState, options: ShareEProcessOptions): boolean {
  const width = dispersionGrid(options.robust).length;
  return (
    state.toleratedRatio === options.toleratedRatio &&
    state.robust === options.robust &&
    state.logWeights.length === ALTERNATIVE_LOG_RATIOS.length * width &&
    state.table.length === nullRows(options.toleratedRatio).length * width
  );
}

/** Adds one interval. Intervals without events carry no information and leave the state unchanged. */
export function updateShareEProcess(state: ShareEProcessState, increment: ShareIncrement): ShareEProcessState {
  const x = Math.max(0, increment.canaryEvents);
  const n = x + Math.max(0, increment.baselineEvents);
  const share = increment.canaryShare;
  if (!(n > 0) || !(share > 0 && share < 1)) return state;
  const psiGrid = dispersionGrid(state.robust);
  const precisions = psiGrid.map((psi) => (psi > 0 ? betaBinomialPrecision(psi) : 0));
  const trialsTerms = precisions.map((precision) => (precision > 0 ? logGamma(precision) - logGamma(n + precision) : 0));
  const kernel = (theta: number, k: number): number =>
    (psiGrid[k] as number) > 0 ? betaBinomialLogKernelFast(x, n, theta, precisions[k] as number, trialsTerms[k] as number) : betaBinomialLogKernel(x, n, theta, 0);

  // Numerator: predict with the experts' current weights, then Bayes, then share a little mass back.
  const joint = state.logWeights.map((logWeight, cell) => {
    const alternative = Math.floor(cell / psiGrid.length);
    return logWeight + kernel(eventShare(share, state.toleratedRatio * Math.exp(ALTERNATIVE_LOG_RATIOS[alternative] as number)), cell % psiGrid.length);
  });
  const logPredictive = logSumExp(joint);
  const prior = logPrior(state.robust);
  const logWeights = joint.map((value, cell) =>
    logSumExp([Math.log1p(-SWITCH_RATE) + value - logPredictive, Math.log(SWITCH_RATE) + (prior[cell] as number)]),
  );

  const rows = nullRows(state.toleratedRatio);
  const table = state.table.slice();
  rows.forEach((row, r) => {
    psiGrid.forEach((psi, k) => {
      const cell = r * psiGrid.length + k;
      table[cell] = (table[cell] as number) + kernel(nullShare(share, row, psi), k);
    });
  });
  return { ...state, intervals: state.intervals + 1, logNumerator: state.logNumerator + logPredictive, logWeights, table };
}

/** max over the ψ grid of one row, refined by a parabola in ln ψ through the best interior point. */
function profileMax(row: readonly number[]): number {
  let bestIndex = 0;
  for (let k = 1; k < row.length; k++) if ((row[k] as number) > (row[bestIndex] as number)) bestIndex = k;
  const best = row[bestIndex] as number;
  // Index 0 is ψ = 0; the log grid starts at 1, so a parabola needs neighbours 1 ≤ k−1 and k+1 < length.
  if (bestIndex < 2 || bestIndex > row.length - 2) return best;
  const left = row[bestIndex - 1] as number;
  const right = row[bestIndex + 1] as number;
  const curvature = left - 2 * best + right;
  if (!(curvature < 0)) return best;
  return best - ((right - left) * (right - left)) / (8 * curvature);
}

export function shareEValue(state: ShareEProcessState): ShareEValue {
  const psiGrid = dispersionGrid(state.robust);
  const width = psiGrid.length;
  let logDenominator = -Infinity;
  for (let row = 0; row < state.table.length / width; row++) {
    logDenominator = Math.max(logDenominator, profileMax(state.table.slice(row * width, (row + 1) * width)));
  }
  const logEValue = state.logNumerator - logDenominator;
  const dispersion = state.logWeights.reduce((sum, logWeight, cell) => sum + Math.exp(logWeight) * (psiGrid[cell % width] as number), 0);
  return { eValue: Math.exp(logEValue), logEValue, dispersion, intervals: state.intervals };
}

const isNumberArray = (value: unknown): value is number[] => Array.isArray(value) && value.every((item) => typeof item === 'number');

/** A state read back from judge memory (JSON), checked before use. */
export function isShareEProcessState(value: unknown): value is ShareEProcessState {
  if (typeof value !== 'object' || value === null) return false;
  const state = value as Record<string, unknown>;
  return (
    typeof state['toleratedRatio'] === 'number' &&
    typeof state['robust'] === 'boolean' &&
    typeof state['intervals'] === 'number' &&
    typeof state['logNumerator'] === 'number' &&
    isNumberArray(state['logWeights']) &&
    isNumberArray(state['table'])
  );
}
