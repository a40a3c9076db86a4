// The e-process behind the sequential judges: "the canary's event rate exceeds the baseline's by
// more than a tolerated ratio r0", from per-interval event counts and traffic shares, valid under
// bursty (overdispersed) counts with a burstiness bound (burstiness.ts).
//
// Model (Lindon & Malek 2022, with a nuisance for burstiness). In interval i the canary served a
// share ρ_i of the traffic. Given n_i = x_i + y_i events (x canary, y baseline), x_i is
// beta-binomial with the mean and intra-class correlation of burstiness.ts: variant rates at ratio
// r (canary / baseline per request) and per-variant burstiness
//   c²_x,i = B·(s + p·(f_x,i − 1)),  c²_y,i = B·(s + p·(f_y,i − 1)),
// where B is the burstiness bound (learnt from the baseline's history, or a fixed worst case), s
// ∈ [0, 1] the burstiness both variants share, p ∈ [0, 1] the part that grows with the caller's
// per-interval pod factor f ≥ 1 (a canary on fewer pods is burstier: f = (1 − ρ)/ρ; 1 for the
// baseline). Both are needed: a family with only s·f would leave out equally bursty variants, and
// the burstier canary it would assume instead has its share's median pushed down (E ln G falls
// with burstiness), which made healthy canaries look worse than the null. H0: r ≤ r0, s, p ∈ [0, 1].
//
//   E_t = Σ_j w_j,i−1 Π_i BB(x_i | n_i, r_j, s_j)  /  sup_{r ≤ r0, s, p} Π_i BB(x_i | n_i, r, s, p)
//
// The numerator is a predictable forecaster over experts (r_j, s_k): alternatives r_j = r0·e^λ
// on a √2 grid λ = 0.0125 … 6.4 (1.0126× to 600× r0: large effects need their own expert, or a
// null with much burstiness fits an extreme interval better than the nearest alternative), times
// s ∈ {0, 1/9, 1}, half the prior mass on s = 0. After each interval the weights are updated by Bayes and
// 2% of the mass returns to the prior ("fixed share", Herbster & Warmuth 1998), so a regression that
// starts after many healthy intervals is followed. The denominator maximises over the null: r ∈
// r0·{1, 0.8, 0.5} and every s. This is universal inference (Wasserman, Ramdas & Balakrishnan
// 2020): for every null distribution in the family the ratio is at most a test martingale, so
// P(sup_t E_t ≥ 1/α) ≤ α under the model.
//
// Across traffic steps. Each interval's factor uses that interval's own ρ_i (the share actually
// served), so nothing in the argument needs ρ to be constant: the numerator's predictive
// probability is a product over intervals of conditional probabilities, and the null likelihood
// of every (r, s) is a product of per-interval likelihoods, whatever the step. So the e-process
// goes on across steps (the judges carry this state for the whole analysis) and α bounds the
// false-abort probability of the analysis.
//
// Grids are finite: s = 0 and 3⁻⁷ … 1 (tripling), p ∈ {0, 1/27, 1/9, 1/3, 1} when the pod factor is
// on; the supremum over s is refined by a parabola in ln s through the best three points.

import { betaBinomialLogKernel, isNumberArray, logAddExp, logSumExp } from './e-values-math.js';
import { logMultiplierMoments, shareMomentsOf, type LogMultiplierMoments } from './burstiness.js';

export const ALTERNATIVE_LOG_RATIOS: readonly number[] = Array.from({ length: 19 }, (_, j) => 0.0125 * 2 ** (j / 2));
export const NULL_RATIO_FACTORS: readonly number[] = [1, 0.8, 0.5];
export const BURSTINESS_FRACTIONS: readonly number[] = [0, ...Array.from({ length: 8 }, (_, k) => 3 ** (k - 7))];
/** The pod term's levels (only when the calibration measured B on the baseline's aggregate). */
export const POD_FRACTIONS: readonly number[] = [0, 1 / 27, 1 / 9, 1 / 3, 1];
/** The numerator's experts need fewer burstiness levels than the null's supremum. */
export const ALTERNATIVE_BURSTINESS_FRACTIONS: readonly number[] = [0, 1 / 9, 1];
const POISSON_FRACTIONS: readonly number[] = [0];
/** Fixed-share rate: the share of the numerator's weight returned to the prior after each interval. */
export const SWITCH_RATE = 0.02;

export interface ShareEProcessOptions {
  /** r0 = 1 + allowedIncrease: the canary/baseline rate ratio that is still acceptable. */
  toleratedRatio: number;
  /** B: the largest burstiness c² the null allows (0: Poisson counts, a plain binomial e-process). */
  burstinessBound: number;
  /** Whether the null has the pod term p (the burst factors of the increments scale it). */
  podTerm?: boolean;
}

/** Plain data (JSON-serialisable): carried from tick to tick in the judge's memory. */
export interface ShareEProcessState {
  toleratedRatio: number;
  burstinessBound: number;
  podTerm: boolean;
  /** Intervals that carried at least one event. */
  intervals: number;
  /** Σ_i ln q_i: the numerator's log predictive probability of the intervals so far. */
  logNumerator: number;
  /** The numerator's expert weights (log, normalised), row-major [alternative][s]. */
  logWeights: number[];
  /** Row-major [null ratio][p][s]: Σ_i ln BB(x_i | n_i, r, s, p). */
  table: number[];
}

export interface ShareIncrement {
  canaryEvents: number;
  baselineEvents: number;
  /** The canary's share of the traffic in this interval, in (0, 1). */
  canaryShare: number;
  /** Multipliers of the burstiness bound for each side in this interval (default 1). */
  canaryBurstFactor?: number;
  baselineBurstFactor?: number;
}

export interface ShareEValue {
  eValue: number;
  logEValue: number;
  /** The numerator's weighted burstiness c² (0 = Poisson-like counts). */
  burstiness: number;
  intervals: number;
}

function fractions(bound: number): readonly number[] {
  return bound > 0 ? BURSTINESS_FRACTIONS : POISSON_FRACTIONS;
}

function podFractions(state: { burstinessBound: number; podTerm: boolean }): readonly number[] {
  return state.burstinessBound > 0 && state.podTerm ? POD_FRACTIONS : POISSON_FRACTIONS;
}

function alternativeFractions(bound: number): readonly number[] {
  return bound > 0 ? ALTERNATIVE_BURSTINESS_FRACTIONS : POISSON_FRACTIONS;
}

const priors = new Map<number, readonly number[]>();

/** Prior weights of the experts: alternatives alike; half the mass on s = 0, the rest spread over s > 0. */
function logPrior(bound: number): readonly number[] {
  const key = bound > 0 ? 1 : 0;
  let prior = priors.get(key);
  if (prior === undefined) {
    prior = computeLogPrior(bound);
    priors.set(key, prior);
  }
  return prior;
}

function computeLogPrior(bound: number): number[] {
  const grid = alternativeFractions(bound);
  const perAlternative = grid.map((s) => (grid.length === 1 ? 0 : s === 0 ? Math.log(0.5) : Math.log(0.5 / (grid.length - 1))));
  return ALTERNATIVE_LOG_RATIOS.flatMap(() => perAlternative.map((weight) => weight - Math.log(ALTERNATIVE_LOG_RATIOS.length)));
}

export function createShareEProcess(options: ShareEProcessOptions): ShareEProcessState {
  const podTerm = options.podTerm === true;
  const width = fractions(options.burstinessBound).length * podFractions({ burstinessBound: options.burstinessBound, podTerm }).length;
  return {
    toleratedRatio: options.toleratedRatio,
    burstinessBound: options.burstinessBound,
    podTerm,
    intervals: 0,
    logNumerator: 0,
    logWeights: [...logPrior(options.burstinessBound)],
    table: new Array<number>(NULL_RATIO_FACTORS.length * width).fill(0),
  };
}

/** True when a state from memory has the layout these grids give. */
export function isWellFormedShareState(state: ShareEProcessState): boolean {
  const width = fractions(state.burstinessBound).length * podFractions(state).length;
  return (
    state.logWeights.length === ALTERNATIVE_LOG_RATIOS.length * alternativeFractions(state.burstinessBound).length &&
    state.table.length === NULL_RATIO_FACTORS.length * width
  );
}

/** Adds one interval. Intervals without events carry no information and leave the state unchanged. */
export function updateShareEProcess(state: ShareEProcessState, increment: ShareIncrement): ShareEProcessState {
  const x = Math.max(0, increment.canaryEvents);
  const n = x + Math.max(0, increment.baselineEvents);
  const share = increment.canaryShare;
  if (!(n > 0) || !(share > 0 && share < 1)) return state;
  const grid = fractions(state.burstinessBound);
  const pods = podFractions(state);
  const expertGrid = alternativeFractions(state.burstinessBound);
  const bound = state.burstinessBound;
  const canaryFactor = increment.canaryBurstFactor ?? 1;
  const baselineFactor = increment.baselineBurstFactor ?? 1;
  const kernelWith = (ratio: number, moments: [LogMultiplierMoments, LogMultiplierMoments]): number => {
    const { mean, icc } = shareMomentsOf(share, ratio, moments[0], moments[1]);
    return betaBinomialLogKernel(x, n, mean, icc);
  };

  // Numerator: experts with burstiness s·B·f on each side; predict with the current weights, then
  // Bayes, then share a little mass back.
  const expertMoments = expertGrid.map((s): [LogMultiplierMoments, LogMultiplierMoments] => [
    logMultiplierMoments(s * bound * canaryFactor),
    logMultiplierMoments(s * bound * baselineFactor),
  ]);
  const joint = state.logWeights.map((logWeight, cell) => {
    const alternative = ALTERNATIVE_LOG_RATIOS[Math.floor(cell / expertGrid.length)] as number;
    return (
      logWeight +
      kernelWith(state.toleratedRatio * Math.exp(alternative), expertMoments[cell % expertGrid.length] as [LogMultiplierMoments, LogMultiplierMoments])
    );
  });
  const logPredictive = logSumExp(joint);
  const prior = logPrior(state.burstinessBound);
  const keep = Math.log1p(-SWITCH_RATE);
  const handBack = Math.log(SWITCH_RATE);
  const logWeights = joint.map((value, cell) => logAddExp(keep + value - logPredictive, handBack + (prior[cell] as number)));

  const nullMoments = pods.flatMap((p) =>
    grid.map((s): [LogMultiplierMoments, LogMultiplierMoments] => [
      logMultiplierMoments(bound * (s + p * (canaryFactor - 1))),
      logMultiplierMoments(bound * (s + p * (baselineFactor - 1))),
    ]),
  );
  const table = state.table.slice();
  NULL_RATIO_FACTORS.forEach((factor, row) => {
    nullMoments.forEach((moments, k) => {
      const cell = row * nullMoments.length + k;
      table[cell] = (table[cell] as number) + kernelWith(state.toleratedRatio * factor, moments);
    });
  });
  return { ...state, intervals: state.intervals + 1, logNumerator: state.logNumerator + logPredictive, logWeights, table };
}

/** max over the s grid of one row, refined by a parabola in ln s through the best interior point. */
function profileMax(row: readonly number[]): number {
  let bestIndex = 0;
  for (let k = 1; k < row.length; k++) if ((row[k] as number) > (row[bestIndex] as number)) bestIndex = k;
  const best = row[bestIndex] as number;
  // Index 0 is s = 0; the log grid starts at 1, so a parabola needs neighbours 1 ≤ k−1 and k+1 < length.
  if (bestIndex < 2 || bestIndex > row.length - 2) return best;
  const left = row[bestIndex - 1] as number;
  const right = row[bestIndex + 1] as number;
  const curvature = left - 2 * best + right;
  if (!(curvature < 0)) return best;
  return best - ((right - left) * (right - left)) / (8 * curvature);
}

export function shareEValue(state: ShareEProcessState): ShareEValue {
  const width = fractions(state.burstinessBound).length;
  let logDenominator = -Infinity;
  for (let row = 0; row < state.table.length / width; row++) {
    logDenominator = Math.max(logDenominator, profileMax(state.table.slice(row * width, (row + 1) * width)));
  }
  const logEValue = state.logNumerator - logDenominator;
  const expertGrid = alternativeFractions(state.burstinessBound);
  const burstiness = state.logWeights.reduce(
    (sum, logWeight, cell) => sum + Math.exp(logWeight) * (expertGrid[cell % expertGrid.length] as number) * state.burstinessBound,
    0,
  );
  return { eValue: Math.exp(logEValue), logEValue, burstiness, intervals: state.intervals };
}

/** A state read back from judge memory (JSON), checked before use. */
export function isShareEProcessState(value: unknown): value is ShareEProcessState {
  if (typeof value !== 'object' || value === null) return false;
  const state = value as Record<string, unknown>;
  const shaped =
    typeof state['toleratedRatio'] === 'number' &&
    typeof state['burstinessBound'] === 'number' &&
    typeof state['podTerm'] === 'boolean' &&
    typeof state['intervals'] === 'number' &&
    typeof state['logNumerator'] === 'number' &&
    isNumberArray(state['logWeights']) &&
    isNumberArray(state['table']);
  return shaped && isWellFormedShareState(value as ShareEProcessState);
}
