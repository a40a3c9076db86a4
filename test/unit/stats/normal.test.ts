import { describe, expect, it } from 'vitest';
import { normalCdf, normalQuantile, normalSurvival } from '../../../src/stats/normal.js';

// Reference values printed by R 4.2 (sprintf("%.17g", pnorm(x)), pnorm(x, lower.tail = FALSE), qnorm(p)).
const PNORM: Array<[number, number, number]> = [
  [-40, 0, 1],
  [-37.600000000000001, 0, 1],
  [-37.5, 4.6053530095819552e-308, 1],
  [-30, 4.9067139271481872e-198, 1],
  [-20, 2.7536241186062337e-89, 1],
  [-10, 7.6198530241605269e-24, 1],
  [-8.3000000000000007, 5.2055697448902552e-17, 1],
  [-6, 9.8658764503769809e-10, 0.9999999990134123],
  [-5.657, 7.7020881721775998e-9, 0.99999999229791181],
  [-5.5999999999999996, 1.071759025831093e-8, 0.99999998928240974],
  [-3, 0.0013498980316300946, 0.9986501019683699],
  [-1.96, 0.024997895148220428, 0.97500210485177963],
  [-0.69999999999999996, 0.24196365222307298, 0.75803634777692697],
  [-0.67000000000000004, 0.25142889509531013, 0.74857110490468992],
  [-0.29999999999999999, 0.38208857781104733, 0.61791142218895267],
  [-1.0000000000000001e-17, 0.5, 0.5],
  [0, 0.5, 0.5],
  [1e-10, 0.5000000000398942, 0.49999999996010575],
  [0.5, 0.69146246127401301, 0.30853753872598694],
  [0.67448969999999997, 0.74999998404886092, 0.25000001595113913],
  [0.68000000000000005, 0.75174776954642941, 0.24825223045357053],
  [1, 0.84134474606854293, 0.15865525393145705],
  [2.3300000000000001, 0.99009692444083575, 0.0099030755591642487],
  [5, 0.99999971334842808, 2.8665157187919391e-7],
  [5.7000000000000002, 0.99999999400962858, 5.9903714010635279e-9],
  [8, 0.99999999999999933, 6.2209605742717849e-16],
  [8.3000000000000007, 1, 5.2055697448902552e-17],
  [10, 1, 7.6198530241605269e-24],
  [30, 1, 4.9067139271481872e-198],
  [38, 1, 0],
];

const QNORM: Array<[number, number]> = [
  [1e-300, -37.047096299361201],
  [1e-100, -21.273453560965319],
  [9.9999999999999995e-21, -9.2623400897984052],
  [1e-10, -6.3613409024040557],
  [1.0000000000000001e-5, -4.2648907939228256],
  [0.001, -3.0902323061678132],
  [0.01, -2.3263478740408408],
  [0.024250000000000001, -1.9729610513118845],
  [0.025000000000000001, -1.9599639845400538],
  [0.10000000000000001, -1.2815515655446008],
  [0.29999999999999999, -0.52440051270804067],
  [0.49998999999999999, -2.5066282748960018e-5],
  [0.5, 0],
  [0.59999999999999998, 0.25334710313579978],
  [0.90000000000000002, 1.2815515655446008],
  [0.97499999999999998, 1.9599639845400536],
  [0.98999999999999999, 2.3263478740408408],
  [0.99999899999999997, 4.7534243088170891],
  [0.99999999999900002, 7.0344869100478356],
];

function expectRelativeClose(actual: number, expected: number, tolerance: number): void {
  if (expected === 0) {
    expect(Math.abs(actual)).toBeLessThan(1e-300);
    return;
  }
  expect(Math.abs(actual - expected) / Math.abs(expected)).toBeLessThanOrEqual(tolerance);
}

describe('normalCdf / normalSurvival', () => {
  it.each(PNORM)('matches R pnorm at x = %s to 1e-14 relative in both tails', (x, lower, upper) => {
    expectRelativeClose(normalCdf(x), lower, 1e-14);
    expectRelativeClose(normalSurvival(x), upper, 1e-14);
  });

  it('is symmetric and monotone', () => {
    for (let x = -9; x <= 9; x += 0.37) {
      expect(normalCdf(-x)).toBe(normalSurvival(x));
      // Each tail is monotone where it carries precision (the other one rounds to 1).
      if (x < 0) expect(normalCdf(x + 0.01)).toBeGreaterThan(normalCdf(x));
      else expect(normalSurvival(x + 0.01)).toBeLessThan(normalSurvival(x));
    }
  });

  it('propagates NaN and saturates at the infinities', () => {
    expect(normalCdf(NaN)).toBeNaN();
    expect(normalCdf(-Infinity)).toBe(0);
    expect(normalCdf(Infinity)).toBe(1);
    expect(normalSurvival(Infinity)).toBe(0);
  });
});

describe('normalQuantile', () => {
  it.each(QNORM)('matches R qnorm at p = %s to 1e-14 relative', (p, expected) => {
    if (expected === 0) expect(normalQuantile(p)).toBe(0);
    else expectRelativeClose(normalQuantile(p), expected, 1e-14);
  });

  it('inverts normalCdf in the lower half and normalSurvival in the upper half', () => {
    // Upper-half x are checked through the lower tail: p close to 1 has too few bits to invert.
    for (let x = -30; x <= 0; x += 0.731) {
      const p = normalCdf(x);
      expect(Math.abs(normalQuantile(p) - x)).toBeLessThan(1e-13 * Math.max(1, Math.abs(x)));
    }
    for (const x of [0.3, 1.7, 4.2, 12]) {
      expect(normalQuantile(normalSurvival(x))).toBeCloseTo(-x, 12);
    }
  });

  it('answers the limits and rejects probabilities outside [0, 1] with NaN', () => {
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
    expect(normalQuantile(-0.1)).toBeNaN();
    expect(normalQuantile(1.5)).toBeNaN();
    expect(normalQuantile(NaN)).toBeNaN();
  });
});
