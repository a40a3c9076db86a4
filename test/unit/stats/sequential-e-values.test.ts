import { describe, expect, it } from 'vitest';
import { createRandom } from '../../../src/stats/random.js';
import { betaBinomialLogKernel, logBeta, logGamma, logSumExp } from '../../../src/stats/e-values-math.js';
import {
  ALTERNATIVE_LOG_RATIOS,
  createShareEProcess,
  NULL_RATIO_FACTORS,
  shareEValue,
  SWITCH_RATE,
  type ShareEProcessState,
  updateShareEProcess,
} from '../../../src/stats/e-values-share.js';

// R 4.2: sprintf("%.17g", lgamma(x)).
const LGAMMA: Array<[number, number]> = [
  [1.0000000000000001e-5, 11.512919692895826],
  [0.1, 2.252712651734206],
  [0.5, 0.57236494292470008],
  [1, 0],
  [2.5, 0.28468287047291918],
  [9.99, 12.779315214350193],
  [10, 12.801827480081469],
  [10.5, 13.940625219403763],
  [123.456, 469.60554712992956],
  [10000, 82099.717496442376],
  [10000000, 151180949.36947393],
];

describe('logGamma', () => {
  it.each(LGAMMA)('lgamma(%s) matches R', (x, expected) => {
    expect(Math.abs(logGamma(x) - expected)).toBeLessThanOrEqual(1e-13 * Math.max(1, Math.abs(expected)));
  });

  it('is NaN outside its domain', () => {
    expect(logGamma(0)).toBeNaN();
    expect(logGamma(-1)).toBeNaN();
  });

  it('gives differences of large arguments exactly enough for the beta-binomial', () => {
    // lnΓ(a + 3) − lnΓ(a) = ln(a(a+1)(a+2)) for a = 10⁴.
    const a = 1e4;
    expect(logGamma(a + 3) - logGamma(a)).toBeCloseTo(Math.log(a * (a + 1) * (a + 2)), 9);
  });
});

describe('logSumExp and logBeta', () => {
  it('sums in log space without overflow', () => {
    expect(logSumExp([Math.log(1), Math.log(2), Math.log(3)])).toBeCloseTo(Math.log(6), 12);
    expect(logSumExp([1000, 1000])).toBeCloseTo(1000 + Math.log(2), 12);
    expect(logSumExp([])).toBe(-Infinity);
  });

  it('B(2, 3) = 1/12', () => {
    expect(logBeta(2, 3)).toBeCloseTo(Math.log(1 / 12), 12);
  });
});

describe('betaBinomialLogKernel', () => {
  it('is the binomial kernel at psi = 0, with 0·ln 0 = 0', () => {
    expect(betaBinomialLogKernel(3, 10, 0.2, 0)).toBeCloseTo(3 * Math.log(0.2) + 7 * Math.log(0.8), 12);
    expect(betaBinomialLogKernel(0, 4, 0.3, 0)).toBeCloseTo(4 * Math.log(0.7), 12);
  });

  it('matches B(x + α, n − x + β) / B(α, β) computed by hand', () => {
    // psi = 1/3 → α + β = 2; θ = 1/2 → α = β = 1: P(1 of 2) without C(2,1) = B(2,2)/B(1,1) = 1/6.
    expect(betaBinomialLogKernel(1, 2, 0.5, 1 / 3)).toBeCloseTo(Math.log(1 / 6), 12);
    // psi = 0.2 → α + β = 4; θ = 0.25 → α = 1, β = 3: x = 2 of 3 → B(3, 4)/B(1, 3) = (1/60)/(1/3) = 1/20.
    expect(betaBinomialLogKernel(2, 3, 0.25, 0.2)).toBeCloseTo(Math.log(1 / 20), 12);
  });

  it('approaches the binomial as psi → 0 and accepts real counts', () => {
    expect(betaBinomialLogKernel(2.5, 40.25, 0.1, 1e-7)).toBeCloseTo(betaBinomialLogKernel(2.5, 40.25, 0.1, 0), 3);
    expect(betaBinomialLogKernel(2.5, 40.25, 0.1, 0.3)).not.toBeCloseTo(betaBinomialLogKernel(2.5, 40.25, 0.1, 0), 1);
  });
});

/** The Poisson (binomial) e-value after one interval, straight from the definition. */
function oneIntervalPoissonEValue(x: number, y: number, share: number, toleratedRatio: number): number {
  const theta = (ratio: number): number => (share * ratio) / (share * ratio + 1 - share);
  const likelihood = (ratio: number): number => theta(ratio) ** x * (1 - theta(ratio)) ** y;
  const numerator = ALTERNATIVE_LOG_RATIOS.reduce((sum, lambda) => sum + likelihood(toleratedRatio * Math.exp(lambda)), 0) / ALTERNATIVE_LOG_RATIOS.length;
  const denominator = Math.max(...NULL_RATIO_FACTORS.map((factor) => likelihood(toleratedRatio * factor)));
  return numerator / denominator;
}

describe('share e-process', () => {
  it('starts at E = 1 and ignores intervals without events', () => {
    const state = createShareEProcess({ toleratedRatio: 1, burstinessBound: 4 });
    expect(shareEValue(state).eValue).toBe(1);
    const same = updateShareEProcess(state, { canaryEvents: 0, baselineEvents: 0, canaryShare: 0.1 });
    expect(same).toBe(state);
  });

  it('matches the hand-computed mixture likelihood ratio (Poisson model)', () => {
    for (const [x, y, share, tolerated] of [
      [12, 30, 0.2, 1],
      [3, 97, 0.05, 1.1],
      [0, 50, 0.3, 1],
      [7.5, 20.25, 0.1, 1.5],
    ] as const) {
      const state = updateShareEProcess(createShareEProcess({ toleratedRatio: tolerated, burstinessBound: 0 }), {
        canaryEvents: x,
        baselineEvents: y,
        canaryShare: share,
      });
      expect(shareEValue(state).eValue).toBeCloseTo(oneIntervalPoissonEValue(x, y, share, tolerated), 10);
    }
  });

  it('forecasts with fixed share over the alternatives: two intervals computed by hand (Poisson model)', () => {
    const intervals = [
      { canaryEvents: 5, baselineEvents: 20, canaryShare: 0.2 },
      { canaryEvents: 9, baselineEvents: 18, canaryShare: 0.25 },
    ];
    const theta = (share: number, ratio: number): number => (share * ratio) / (share * ratio + 1 - share);
    const kernel = (i: number, ratio: number): number => {
      const { canaryEvents: x, baselineEvents: y, canaryShare } = intervals[i] as (typeof intervals)[number];
      return theta(canaryShare, ratio) ** x * (1 - theta(canaryShare, ratio)) ** y;
    };
    const ratios = ALTERNATIVE_LOG_RATIOS.map((lambda) => Math.exp(lambda));
    const prior = 1 / ratios.length;
    const first = ratios.reduce((sum, ratio) => sum + prior * kernel(0, ratio), 0);
    const weights = ratios.map((ratio) => (1 - SWITCH_RATE) * ((prior * kernel(0, ratio)) / first) + SWITCH_RATE * prior);
    const second = ratios.reduce((sum, ratio, j) => sum + (weights[j] as number) * kernel(1, ratio), 0);
    const denominator = Math.max(...NULL_RATIO_FACTORS.map((factor) => kernel(0, factor) * kernel(1, factor)));
    const state = intervals.reduce(updateShareEProcess, createShareEProcess({ toleratedRatio: 1, burstinessBound: 0 }));
    expect(shareEValue(state).eValue).toBeCloseTo((first * second) / denominator, 8);
  });

  it('follows a regression that starts mid-way after many healthy intervals', () => {
    let state = createShareEProcess({ toleratedRatio: 1, burstinessBound: 4 });
    for (let i = 0; i < 30; i++) state = updateShareEProcess(state, { canaryEvents: 15, baselineEvents: 285, canaryShare: 0.05 });
    const before = shareEValue(state).eValue;
    for (let i = 0; i < 3; i++) state = updateShareEProcess(state, { canaryEvents: 60, baselineEvents: 285, canaryShare: 0.05 });
    expect(before).toBeLessThan(1);
    expect(shareEValue(state).eValue).toBeGreaterThan(1e3);
  });

  it('grows with a regression and is no larger under the robust model when counts are large', () => {
    let poisson = createShareEProcess({ toleratedRatio: 1, burstinessBound: 0 });
    let robust = createShareEProcess({ toleratedRatio: 1, burstinessBound: 4 });
    for (let i = 0; i < 5; i++) {
      const increment = { canaryEvents: 40, baselineEvents: 300, canaryShare: 0.05 };
      poisson = updateShareEProcess(poisson, increment);
      robust = updateShareEProcess(robust, increment);
    }
    expect(shareEValue(poisson).eValue).toBeGreaterThan(1e6);
    expect(shareEValue(robust).eValue).toBeGreaterThan(100);
    expect(shareEValue(robust).eValue).toBeLessThanOrEqual(shareEValue(poisson).eValue);
  });

  it('cannot reject on one interval under the robust model however large the excess (a burst looks the same)', () => {
    const state = updateShareEProcess(createShareEProcess({ toleratedRatio: 1, burstinessBound: 4 }), {
      canaryEvents: 120,
      baselineEvents: 600,
      canaryShare: 0.05,
    });
    expect(shareEValue(state).eValue).toBeLessThan(100);
  });
});

/** Fraction of A/A runs whose e-value ever reaches 1/α over `looks` intervals. */
function aaFalseRejections(options: { robust: boolean; cv: number; runs: number; looks: number; alpha: number; seed: number }): number {
  const random = createRandom(options.seed);
  const shape = options.cv > 0 ? 1 / (options.cv * options.cv) : 0;
  let rejected = 0;
  for (let run = 0; run < options.runs; run++) {
    let state: ShareEProcessState = createShareEProcess({ toleratedRatio: 1, burstinessBound: options.robust ? 4 : 0 });
    for (let look = 0; look < options.looks; look++) {
      const canaryRequests = random.poisson(600);
      const baselineRequests = random.poisson(5400);
      const canaryBurst = shape > 0 ? random.gammaMeanOne(shape) : 1;
      const baselineBurst = shape > 0 ? random.gammaMeanOne(shape) : 1;
      state = updateShareEProcess(state, {
        canaryEvents: random.poisson(canaryRequests * 0.02 * canaryBurst),
        baselineEvents: random.poisson(baselineRequests * 0.02 * baselineBurst),
        canaryShare: canaryRequests / (canaryRequests + baselineRequests),
      });
      if (shareEValue(state).eValue >= 1 / options.alpha) {
        rejected++;
        break;
      }
    }
  }
  return rejected / options.runs;
}

describe('anytime validity (simulated A/A, 30 looks, α = 0.1)', () => {
  it('holds α on Poisson counts, both models', () => {
    expect(aaFalseRejections({ robust: false, cv: 0, runs: 300, looks: 30, alpha: 0.1, seed: 1 })).toBeLessThanOrEqual(0.1);
    expect(aaFalseRejections({ robust: true, cv: 0, runs: 300, looks: 30, alpha: 0.1, seed: 2 })).toBeLessThanOrEqual(0.1);
  });

  it('holds α on overdispersed (gamma-Poisson, CV 0.5 per variant) counts with the robust model, where the Poisson model fails', () => {
    expect(aaFalseRejections({ robust: true, cv: 0.5, runs: 300, looks: 30, alpha: 0.1, seed: 3 })).toBeLessThanOrEqual(0.1);
    expect(aaFalseRejections({ robust: false, cv: 0.5, runs: 300, looks: 30, alpha: 0.1, seed: 3 })).toBeGreaterThan(0.3);
  });
});
