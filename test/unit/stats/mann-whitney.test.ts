import { describe, expect, it } from 'vitest';
import { mannWhitney } from '../../../src/stats/mann-whitney.js';
import { zeroin } from '../../../src/stats/mann-whitney-zeroin.js';

// Expected numbers printed by R 4.2: wilcox.test(x, y, conf.int = TRUE, exact = FALSE, conf.level = ...)
// (sprintf("%.17g")). test/integration/mann-whitney-r.test.ts compares against R itself on random data.

describe('mannWhitney — known R answers', () => {
  it('continuous samples, default confidence 0.95', () => {
    const result = mannWhitney([12.1, 14.3, 11.8, 15.2, 13.9, 16.4, 12.7], [10.2, 11.5, 9.8, 12.0, 10.9, 11.1]);
    expect(result.u).toBe(41);
    expect(result.pValue).toBeCloseTo(0.0053409925250672095, 15);
    expect(result.estimate).toBeCloseTo(2.8000015821193163, 9);
    expect(result.confidenceInterval[0]).toBeCloseTo(0.90002662660813093, 9);
    expect(result.confidenceInterval[1]).toBeCloseTo(4.8999537113178029, 9);
  });

  it('heavy ties at confidence 0.98', () => {
    const result = mannWhitney([1, 2, 2, 3, 3, 3, 4], [2, 2, 3, 3, 4, 4, 5, 5], { confidence: 0.98 });
    expect(result.u).toBe(16);
    expect(result.pValue).toBeCloseTo(0.16928250800052161, 15);
    expect(result.estimate).toBeCloseTo(-1, 9);
    expect(result.confidenceInterval[0]).toBeCloseTo(-2.9999504293923307, 9);
    expect(result.confidenceInterval[1]).toBeCloseTo(0.99994457072339549, 9);
  });

  it('a single canary value', () => {
    const result = mannWhitney([5], [1, 2, 3]);
    expect(result).toEqual({ u: 3, pValue: expect.closeTo(0.37109336952269756, 15), estimate: 3, confidenceInterval: [2, 4] });
  });
});

describe('mannWhitney — where R gives no answer', () => {
  it('all values equal: pValue 1, no shift (R: NaN, then an error for the interval)', () => {
    expect(mannWhitney([1, 1, 1], [1, 1])).toEqual({ u: 3, pValue: 1, estimate: 0, confidenceInterval: [0, 0] });
  });

  it("each sample constant but different: R's p-value and the exact shift (R errors on the interval)", () => {
    const result = mannWhitney([7, 7, 7], [5, 5]);
    expect(result.u).toBe(6);
    expect(result.pValue).toBeCloseTo(0.095580704545629405, 15);
    expect(result.estimate).toBe(2);
    expect(result.confidenceInterval).toEqual([2, 2]);
  });
});

describe('mannWhitney — input checks', () => {
  it('rejects an empty sample with a RangeError naming it', () => {
    expect(() => mannWhitney([], [1, 2])).toThrow(RangeError);
    expect(() => mannWhitney([], [1, 2])).toThrow(/canary sample is empty/);
    expect(() => mannWhitney([1], [])).toThrow(/baseline sample is empty/);
  });

  it('rejects NaN and infinities with the index at fault', () => {
    expect(() => mannWhitney([1, NaN], [1, 2])).toThrow(/canary\[1\] is NaN/);
    expect(() => mannWhitney([1, 2], [Infinity])).toThrow(/baseline\[0\] is Infinity/);
  });

  it('rejects a confidence outside (0, 1)', () => {
    for (const confidence of [0, 1, 1.5, -0.1, NaN]) {
      expect(() => mannWhitney([1, 2], [3, 4], { confidence })).toThrow(/confidence must be a number in \(0, 1\)/);
    }
  });

  it('does not modify its inputs', () => {
    const canary = [3, 1, 2];
    const baseline = [9, 7, 8];
    mannWhitney(canary, baseline);
    expect(canary).toEqual([3, 1, 2]);
    expect(baseline).toEqual([9, 7, 8]);
  });
});

describe('mannWhitney — properties', () => {
  it('swapping the samples mirrors u, the estimate and the interval and keeps the p-value', () => {
    const a = [0.31, 0.52, 0.47, 0.61, 0.39, 0.58, 0.44, 0.71];
    const b = [0.29, 0.35, 0.41, 0.33, 0.38, 0.27];
    const forward = mannWhitney(a, b, { confidence: 0.9 });
    const backward = mannWhitney(b, a, { confidence: 0.9 });
    expect(forward.u + backward.u).toBe(a.length * b.length);
    expect(backward.pValue).toBeCloseTo(forward.pValue, 14);
    expect(backward.estimate).toBeCloseTo(-forward.estimate, 3);
    expect(backward.confidenceInterval[0]).toBeCloseTo(-forward.confidenceInterval[1], 3);
    expect(backward.confidenceInterval[1]).toBeCloseTo(-forward.confidenceInterval[0], 3);
  });

  it('a wider confidence gives a wider interval around the same estimate', () => {
    const a = [5.1, 6.3, 5.8, 7.2, 6.6, 5.5, 6.9, 7.4, 6.1];
    const b = [4.2, 5.0, 4.8, 5.6, 4.4, 5.3, 4.9];
    const narrow = mannWhitney(a, b, { confidence: 0.8 });
    const wide = mannWhitney(a, b, { confidence: 0.99 });
    expect(wide.estimate).toBe(narrow.estimate);
    expect(wide.confidenceInterval[0]).toBeLessThan(narrow.confidenceInterval[0]);
    expect(wide.confidenceInterval[1]).toBeGreaterThan(narrow.confidenceInterval[1]);
    expect(narrow.confidenceInterval[0]).toBeLessThan(narrow.estimate);
    expect(narrow.confidenceInterval[1]).toBeGreaterThan(narrow.estimate);
  });
});

describe('zeroin (R_zeroin2)', () => {
  it('finds a root of a smooth function to the tolerance', () => {
    const f = (x: number): number => x * x * x - 2;
    expect(zeroin(f, 0, 2, f(0), f(2), 1e-10)).toBeCloseTo(Math.cbrt(2), 9);
  });

  it('returns an endpoint where the function is already zero', () => {
    const f = (x: number): number => x - 1;
    expect(zeroin(f, 1, 3, 0, 2)).toBe(1);
    expect(zeroin(f, -1, 1, -2, 0)).toBe(1);
  });

  it('locates the jump of a step function within the tolerance', () => {
    const step = (x: number): number => (x < 0.3 ? 1 : -1);
    expect(Math.abs(zeroin(step, 0, 1, 1, -1, 1e-4) - 0.3)).toBeLessThanOrEqual(1e-4);
  });
});
