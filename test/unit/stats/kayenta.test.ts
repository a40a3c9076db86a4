import { describe, expect, it } from 'vitest';
import { classifyMannWhitney, preprocessSamples } from '../../../src/stats/kayenta.js';

const oneToTwenty = Array.from({ length: 20 }, (_, i) => i + 1);
const shifted = (values: number[], by: number): number[] => values.map((value) => value + by);

describe('preprocessSamples', () => {
  it('removes non-finite values by default strategy "remove"', () => {
    expect(preprocessSamples([1, NaN, 2, Infinity, -Infinity, 3], 'remove', null)).toEqual([1, 2, 3]);
  });

  it('replaces non-finite values by 0 with "replace"', () => {
    expect(preprocessSamples([NaN, 1, Infinity], 'replace', null)).toEqual([0, 1, 0]);
  });

  it('drops values outside [Q1 − k·IQR, Q3 + k·IQR] (type-7 quartiles) and keeps the fences', () => {
    // Q1 = 2, Q3 = 4, IQR = 2, k = 3 → fences [−4, 10].
    expect(preprocessSamples([1, 2, 3, 4, 100], 'remove', 3)).toEqual([1, 2, 3, 4]);
    expect(preprocessSamples([1, 2, 3, 4, 10], 'remove', 3)).toEqual([1, 2, 3, 4, 10]);
    expect(preprocessSamples([-20, 1, 2, 3, 4], 'remove', 3)).toEqual([1, 2, 3, 4]);
  });
});

describe('classifyMannWhitney — shortcuts', () => {
  it('an empty sample is Nodata, whatever the NaN strategy', () => {
    expect(classifyMannWhitney([], [1, 2, 3]).classification).toBe('Nodata');
    const allNaN = classifyMannWhitney([NaN, NaN], [1, 2, 3], { nanStrategy: 'remove' });
    expect(allNaN).toMatchObject({ classification: 'Nodata', canaryCount: 0, baselineCount: 3, removed: { canary: 2, baseline: 0 } });
    expect(allNaN.reason).toMatch(/no usable canary samples/);
    expect(allNaN.pValue).toBeUndefined();
    expect(classifyMannWhitney([], [], { nanStrategy: 'replace' }).reason).toMatch(/canary or baseline/);
  });

  it('NaN replaced by 0 takes part in the test', () => {
    const result = classifyMannWhitney([NaN, NaN, NaN, NaN, NaN, NaN], oneToTwenty, { nanStrategy: 'replace', direction: 'either' });
    expect(result.canaryCount).toBe(6);
    expect(result.canaryMean).toBe(0);
    expect(result.classification).toBe('Low');
  });

  it('identical samples pass, in any order', () => {
    const result = classifyMannWhitney([3, 1, 2, 2], [2, 3, 2, 1]);
    expect(result.classification).toBe('Pass');
    expect(result.reason).toMatch(/identical/);
    expect(result.pValue).toBe(1);
  });

  it('a single value across both samples passes', () => {
    const result = classifyMannWhitney([4, 4], [4, 4, 4]);
    expect(result.classification).toBe('Pass');
    expect(result.reason).toMatch(/same value/);
  });
});

describe('classifyMannWhitney — the test', () => {
  it('a clear increase is High when the direction allows it', () => {
    const result = classifyMannWhitney(shifted(oneToTwenty, 10), oneToTwenty, { direction: 'increase' });
    expect(result.classification).toBe('High');
    expect(result.shift).toBe('higher');
    expect(result.estimate).toBeCloseTo(10, 3);
    expect(result.confidenceInterval?.[0]).toBeGreaterThan(0.25 * 10);
    expect(result.reason).toMatch(/^High: 98% interval/);
    expect(classifyMannWhitney(shifted(oneToTwenty, 10), oneToTwenty, { direction: 'either' }).classification).toBe('High');
  });

  it('an increase passes when only a decrease is bad, but the shift is still reported', () => {
    const result = classifyMannWhitney(shifted(oneToTwenty, 10), oneToTwenty, { direction: 'decrease' });
    expect(result).toMatchObject({ classification: 'Pass', shift: 'higher' });
    expect(result.reason).toMatch(/higher .* but direction is decrease/);
  });

  it('a clear decrease is Low for decrease and either, Pass for increase', () => {
    const canary = shifted(oneToTwenty, -10);
    expect(classifyMannWhitney(canary, oneToTwenty, { direction: 'decrease' }).classification).toBe('Low');
    expect(classifyMannWhitney(canary, oneToTwenty, { direction: 'either' }).classification).toBe('Low');
    expect(classifyMannWhitney(canary, oneToTwenty, { direction: 'increase' })).toMatchObject({ classification: 'Pass', shift: 'lower' });
  });

  it('a significant shift whose interval does not clear 0.25·|Δ̂| passes (Kayenta tolerance)', () => {
    // Shift 6: the 98% interval is about [1.00003, 11], above 0 but not above 0.25 · 6 = 1.5.
    const result = classifyMannWhitney(shifted(oneToTwenty, 6), oneToTwenty, { direction: 'increase' });
    expect(result.confidenceInterval?.[0]).toBeGreaterThan(0);
    expect(result.pValue).toBeLessThan(0.02);
    expect(result.classification).toBe('Pass');
    expect(result.reason).toMatch(/does not clear/);
    expect(classifyMannWhitney(shifted(oneToTwenty, 8), oneToTwenty, { direction: 'increase' }).classification).toBe('High');
  });

  it('the confidence level changes the verdict near the edge', () => {
    // Shift 5: at 98% the interval starts at about 0.00003 (< 1.25); at 80% it starts well above.
    expect(classifyMannWhitney(shifted(oneToTwenty, 5), oneToTwenty, { confidence: 0.98 }).classification).toBe('Pass');
    expect(classifyMannWhitney(shifted(oneToTwenty, 5), oneToTwenty, { confidence: 0.8 }).classification).toBe('High');
  });
});

describe('classifyMannWhitney — effect size', () => {
  const baseline = Array.from({ length: 30 }, (_, i) => 100 + (i % 10));
  const tenPercentUp = baseline.map((value) => value * 1.1);

  it('meanRatio must reach allowedIncrease for High', () => {
    const tolerant = classifyMannWhitney(tenPercentUp, baseline, { direction: 'increase', effectSize: { measure: 'meanRatio', allowedIncrease: 1.2 } });
    expect(tolerant.effectSize).toBeCloseTo(1.1, 10);
    expect(tolerant.classification).toBe('Pass');
    expect(tolerant.reason).toMatch(/meanRatio 1\.1 < allowedIncrease 1\.2/);
    const strict = classifyMannWhitney(tenPercentUp, baseline, { direction: 'increase', effectSize: { measure: 'meanRatio', allowedIncrease: 1.05 } });
    expect(strict.classification).toBe('High');
  });

  it('meanRatio must fall to allowedDecrease for Low', () => {
    const down = baseline.map((value) => value * 0.9);
    expect(classifyMannWhitney(down, baseline, { direction: 'decrease', effectSize: { allowedDecrease: 0.8 } }).classification).toBe('Pass');
    expect(classifyMannWhitney(down, baseline, { direction: 'decrease', effectSize: { allowedDecrease: 0.95 } }).classification).toBe('Low');
  });

  it('a zero baseline mean gives an infinite meanRatio, so errors from a clean baseline are High', () => {
    const result = classifyMannWhitney(
      [3, 4, 5, 6, 7, 8, 9, 10, 0, 5, 6, 7],
      Array.from({ length: 12 }, () => 0),
      {
        direction: 'increase',
        effectSize: { allowedIncrease: 1.5 },
      },
    );
    expect(result.effectSize).toBe(Infinity);
    expect(result.classification).toBe('High');
  });

  it('each sample constant but different is decided without noise: the shift is exact', () => {
    const result = classifyMannWhitney([2, 2, 2, 2], [1, 1, 1], { direction: 'increase' });
    expect(result.confidenceInterval).toEqual([1, 1]);
    expect(result.effectSize).toBe(2);
    expect(result.classification).toBe('High');
  });

  it('cles is U / (n·m) and is compared with allowedIncrease (default 0.5)', () => {
    const canary = shifted(oneToTwenty, 10);
    const result = classifyMannWhitney(canary, oneToTwenty, { direction: 'increase', effectSize: { measure: 'cles' } });
    expect(result.effectSizeMeasure).toBe('cles');
    expect(result.effectSize).toBeCloseTo((result.u as number) / (20 * 20), 12);
    expect(result.effectSize).toBeCloseTo(0.875, 12);
    expect(result.classification).toBe('High');
    const demanding = classifyMannWhitney(canary, oneToTwenty, { direction: 'increase', effectSize: { measure: 'cles', allowedIncrease: 0.9 } });
    expect(demanding.classification).toBe('Pass');
  });
});

describe('classifyMannWhitney — outliers', () => {
  it('IQR removal is off by default and drops a spike when configured', () => {
    const baseline = [...oneToTwenty];
    const canary = [...oneToTwenty, 10_000];
    const kept = classifyMannWhitney(canary, baseline);
    expect(kept.canaryCount).toBe(21);
    const trimmed = classifyMannWhitney(canary, baseline, { outliers: { iqrFactor: 3 } });
    expect(trimmed.canaryCount).toBe(20);
    expect(trimmed.removed).toEqual({ canary: 1, baseline: 0 });
    expect(trimmed.classification).toBe('Pass');
    expect(trimmed.reason).toMatch(/identical/);
  });
});
