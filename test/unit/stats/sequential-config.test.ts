import { describe, expect, it } from 'vitest';
import { parseAllowedIncrease, quantileLabel } from '../../../src/stats/sequential-config.js';
import { sequentialCountJudge } from '../../../src/stats/sequential-count.js';
import { sequentialHistogramJudge } from '../../../src/stats/sequential-histogram.js';

const METRICS = ['requests', 'errors', 'latency'];

describe('allowedIncrease', () => {
  it('reads percentages and fractions', () => {
    expect(parseAllowedIncrease('10%')).toBeCloseTo(0.1, 12);
    expect(parseAllowedIncrease(' 2.5 % ')).toBeCloseTo(0.025, 12);
    expect(parseAllowedIncrease(0.1)).toBe(0.1);
    expect(parseAllowedIncrease(0)).toBe(0);
  });

  it('refuses anything else', () => {
    for (const bad of ['10', 'ten%', '-5%', -0.1, Number.NaN, Infinity, null, true]) expect(parseAllowedIncrease(bad)).toBeNull();
  });
});

describe('sequential-count validation', () => {
  const validate = (judge: Record<string, unknown>, self?: string) =>
    (
      sequentialCountJudge.validate as (
        j: Record<string, unknown>,
        m: readonly string[],
        s?: string,
      ) => Array<{ path: Array<string | number>; message: string }>
    )({ type: 'sequential-count', ...judge }, METRICS, self);

  it('accepts a complete block and the defaults', () => {
    expect(validate({ exposure: 'requests', allowedIncrease: '10%', alpha: 0.01, dispersion: 'poisson' })).toEqual([]);
    expect(validate({ exposure: 'requests' })).toEqual([]);
  });

  it('reports each problem at its path', () => {
    const problems = validate({ exposure: 'reqs', allowedIncrease: 'a lot', alpha: 1, dispersion: 'gaussian', window: '5m' });
    expect(problems.map((problem) => problem.path)).toEqual([['window'], ['allowedIncrease'], ['alpha'], ['dispersion'], ['exposure']]);
    expect(problems[0]?.message).toMatch(/unknown key "window"/);
    expect(problems[2]?.message).toMatch(/strictly between 0 and 1/);
    expect(problems[4]?.message).toMatch(/names no metric of this template: "reqs"/);
  });

  it('requires an exposure, and refuses the judged metric itself', () => {
    expect(validate({}).map((problem) => problem.path)).toEqual([['exposure']]);
    expect(validate({ exposure: 'errors' }, 'errors')[0]?.message).toMatch(/itself/);
    expect(validate({ exposure: 7 })[0]?.message).toMatch(/expected a metric name/);
  });

  it('refuses alpha at or outside the bounds and as a string', () => {
    for (const alpha of [0, 1, -0.1, 1.5, '0.01']) expect(validate({ exposure: 'requests', alpha }).map((problem) => problem.path)).toEqual([['alpha']]);
  });
});

describe('sequential-histogram validation', () => {
  const validate = (judge: Record<string, unknown>) => sequentialHistogramJudge.validate({ type: 'sequential-histogram', ...judge }, METRICS, 'latency');

  it('accepts quantiles in (0, 1)', () => {
    expect(validate({ quantiles: [0.5, 0.9, 0.99], allowedIncrease: '5%', alpha: 0.01 })).toEqual([]);
  });

  it('requires a non-empty list and points at each bad quantile', () => {
    expect(validate({}).map((problem) => problem.path)).toEqual([['quantiles']]);
    expect(validate({ quantiles: [] }).map((problem) => problem.path)).toEqual([['quantiles']]);
    expect(validate({ quantiles: 0.9 }).map((problem) => problem.path)).toEqual([['quantiles']]);
    const problems = validate({ quantiles: [0.5, 1, 0.5, '0.9', 0] });
    expect(problems.map((problem) => problem.path)).toEqual([
      ['quantiles', 1],
      ['quantiles', 2],
      ['quantiles', 3],
      ['quantiles', 4],
    ]);
    expect(problems[1]?.message).toMatch(/duplicate/);
  });

  it('refuses keys of the count judge', () => {
    expect(validate({ quantiles: [0.5], exposure: 'requests' })[0]).toMatchObject({ path: ['exposure'], message: expect.stringMatching(/unknown key/) });
  });
});

describe('quantile labels', () => {
  it('name quantiles as percentiles', () => {
    expect([0.5, 0.9, 0.99, 0.999].map(quantileLabel)).toEqual(['p50', 'p90', 'p99', 'p99.9']);
  });
});
