import { describe, expect, it } from 'vitest';
import { logMultiplierMoments, podBurstFactors, shareMoments } from '../../../src/stats/burstiness.js';
import {
  calibrateBurstiness,
  DEFAULT_ASSUMED_BURSTINESS,
  MIN_HISTORY_EVENTS,
  ROBUST_BURSTINESS_BOUND,
  type IntervalCount,
} from '../../../src/stats/burstiness-calibration.js';
import { createRandom, type Random } from '../../../src/stats/random.js';
import { digamma, normalQuadrature, trigamma } from '../../../src/stats/special-functions.js';

describe('special functions', () => {
  // R 4.2: sprintf("%.17g", digamma(x)), trigamma(x)
  it.each([
    [1, -0.57721566490153231, 1.6449340668482264],
    [0.1, -10.423754940411076, 101.43329915079275],
    [0.25, -4.2274535333762655, 17.197329154507109],
    [7.5, 1.9467574842460871, 0.14261589669670383],
    [30, 3.3844381326855251, 0.03389506035773994],
  ])('digamma and trigamma of %s match R', (x, psi, psi1) => {
    expect(digamma(x)).toBeCloseTo(psi, 10);
    expect(trigamma(x)).toBeCloseTo(psi1, 10);
  });

  it('Gauss–Hermite nodes integrate polynomials against the standard normal exactly', () => {
    const rule = normalQuadrature(12);
    const moment = (power: number): number => rule.nodes.reduce((sum, z, i) => sum + (rule.weights[i] as number) * z ** power, 0);
    expect(moment(0)).toBeCloseTo(1, 12);
    expect(moment(2)).toBeCloseTo(1, 12);
    expect(moment(4)).toBeCloseTo(3, 11);
    expect(moment(6)).toBeCloseTo(15, 10);
    expect(moment(3)).toBeCloseTo(0, 12);
  });
});

describe('share moments under per-variant gamma multipliers', () => {
  it('is the binomial without burstiness', () => {
    const moments = shareMoments(0.2, 1.5, 0, 0);
    expect(moments.mean).toBeCloseTo(0.3 / 1.1, 14);
    expect(moments.icc).toBe(0);
  });

  it('at 50/50 with equal burstiness is Beta(k, k): mean ½ and ICC 1/(2k + 1)', () => {
    // The share of two independent Gamma(k) is Beta(k, k); the normal approximation of log-gamma is close.
    for (const cv2 of [0.01, 0.1, 0.25, 1]) {
      const moments = shareMoments(0.5, 1, cv2, cv2);
      expect(moments.mean).toBeCloseTo(0.5, 10);
      const exact = 1 / (2 / cv2 + 1);
      expect(Math.abs(moments.icc - exact) / exact).toBeLessThan(0.1);
    }
  });

  it('biases the mean share towards the burstier variant (Jensen) and caps ψ', () => {
    const bursty = shareMoments(0.05, 1, 1, 1 / 19);
    expect(bursty.mean).toBeGreaterThan(0.05);
    expect(shareMoments(0.5, 1, 50, 50).icc).toBe(0.66);
    expect(logMultiplierMoments(0)).toEqual({ mean: 0, variance: 0 });
  });

  it('pod factors: the canary on a share ρ of the pods is 1/ρ times as bursty as the history, the baseline 1/(1 − ρ)', () => {
    expect(podBurstFactors(0.05).canary).toBeCloseTo(20, 12);
    expect(podBurstFactors(0.05).baseline).toBeCloseTo(1 / 0.95, 12);
    expect(podBurstFactors(0.5)).toEqual({ canary: 2, baseline: 2 });
    expect(podBurstFactors(1)).toEqual({ canary: 1, baseline: 1 });
  });
});

function gammaPoissonHistory(random: Random, options: { intervals: number; requests: number; rate: number; cv2: number }): IntervalCount[] {
  return Array.from({ length: options.intervals }, () => {
    const exposure = random.poisson(options.requests);
    const multiplier = options.cv2 > 0 ? random.gammaMeanOne(1 / options.cv2) : 1;
    return { events: random.poisson(exposure * options.rate * multiplier), exposure };
  });
}

describe('burstiness calibration from the baseline history', () => {
  it('estimates c² of gamma-Poisson counts, and its bound covers the truth', () => {
    const random = createRandom(71);
    for (const cv2 of [0, 0.25, 1]) {
      const calibration = calibrateBurstiness(gammaPoissonHistory(random, { intervals: 360, requests: 3000, rate: 0.01, cv2 }), 0.005);
      expect(calibration.basis).toBe('history');
      expect(calibration.podFactor).toBe(true);
      expect(Math.abs((calibration.estimate as number) - cv2)).toBeLessThan(0.05 + 0.3 * cv2);
      expect(calibration.bound).toBeGreaterThanOrEqual(cv2);
      expect(calibration.alphaSpent).toBeCloseTo(0.0005, 12);
    }
  });

  it('misses the true c² in about δ of histories, not more (seeded Monte Carlo, 2 000 histories)', () => {
    // δ = 0.1·α; with α = 0.05 the bound may miss in 0.5% of histories. Allowing 1.5% (15 of 1000 expected 5)
    // cannot pass by accident if the bound were a plain estimate (it misses about half the time).
    const random = createRandom(72);
    let misses = 0;
    const runs = 2000;
    for (let run = 0; run < runs; run++) {
      const calibration = calibrateBurstiness(gammaPoissonHistory(random, { intervals: 360, requests: 600, rate: 0.02, cv2: 0.25 }), 0.05);
      if (calibration.bound < 0.25) misses++;
    }
    expect(misses / runs).toBeLessThanOrEqual(0.015);
  });

  it('a history without events assumes the configured burstiness; none at all falls back to the robust bound', () => {
    const quiet = calibrateBurstiness(
      Array.from({ length: 360 }, () => ({ events: 0, exposure: 300 })),
      0.005,
    );
    expect(quiet).toMatchObject({ basis: 'silent-history', bound: DEFAULT_ASSUMED_BURSTINESS, podFactor: false, alphaSpent: 0 });
    expect(quiet.reason).toContain('too few to show burstiness');
    expect(
      calibrateBurstiness(
        Array.from({ length: 360 }, () => ({ events: 0, exposure: 300 })),
        0.005,
        0.1,
      ).bound,
    ).toBe(0.1);
    const none = calibrateBurstiness([], 0.005);
    expect(none).toMatchObject({ basis: 'no-history', bound: ROBUST_BURSTINESS_BOUND });
    expect(MIN_HISTORY_EVENTS).toBeGreaterThan(0);
  });

  it('a sparse history keeps the assumption unless its estimate exceeds it', () => {
    const random = createRandom(73);
    const sparse = calibrateBurstiness(gammaPoissonHistory(random, { intervals: 360, requests: 300, rate: 0.001, cv2: 0 }), 0.005);
    expect(sparse.basis).toBe('silent-history');
    expect(sparse.bound).toBe(DEFAULT_ASSUMED_BURSTINESS);
    const bursty = calibrateBurstiness(gammaPoissonHistory(random, { intervals: 360, requests: 300, rate: 0.005, cv2: 4 }), 0.005);
    expect(bursty.basis).toBe('history');
    expect(bursty.bound).toBeGreaterThan(DEFAULT_ASSUMED_BURSTINESS);
  });
});
