import { describe, expect, it } from 'vitest';
import type { MetricResult } from '../../../src/analysis/types.js';
import { scoreMetrics, scoringSchema, validateScoring } from '../../../src/stats/scoring.js';
import type { ScoringSpec } from '../../../src/stats/scoring.js';

type Judged = 'pass' | 'regressed' | 'improved' | 'missing' | 'error' | 'unknown' | 'unjudged';

function result(name: string, state: Judged): MetricResult {
  const base: MetricResult = {
    name,
    baseline: 1,
    canary: 1,
    delta: 0,
    change: 0,
    ratio: 1,
    missing: false,
    error: false,
    queries: { baseline: 'b', canary: 'c' },
  };
  switch (state) {
    case 'pass':
      return { ...base, regressed: false, improved: false };
    case 'regressed':
      return { ...base, regressed: true, improved: false };
    case 'improved':
      return { ...base, regressed: false, improved: true };
    case 'missing':
      return { ...base, missing: true, regressed: null, improved: null };
    case 'error':
      return { ...base, error: true, regressed: null, improved: null };
    case 'unknown':
      return { ...base, regressed: null, improved: null };
    case 'unjudged':
      return base;
  }
}

const spec: ScoringSpec = {
  groups: [
    { name: 'errors', weight: 60, metrics: ['error_rate', 'errors_5xx'] },
    { name: 'latency', weight: 40, metrics: ['p50', 'p95', 'p99'] },
  ],
};

describe('scoreMetrics', () => {
  it('all metrics pass → 100, pass', () => {
    const results = ['error_rate', 'errors_5xx', 'p50', 'p95', 'p99'].map((name) => result(name, 'pass'));
    const score = scoreMetrics(results, spec);
    expect(score).toMatchObject({ value: 100, critical: false, classification: 'pass' });
    expect(score.groups).toEqual([
      { name: 'errors', weight: 60, score: 100, passed: 2, counted: 2, failed: [], nodata: [] },
      { name: 'latency', weight: 40, score: 100, passed: 3, counted: 3, failed: [], nodata: [] },
    ]);
  });

  it('weighted mean of group scores; improvements pass; classification by thresholds', () => {
    const results = [
      result('error_rate', 'regressed'),
      result('errors_5xx', 'improved'),
      result('p50', 'pass'),
      result('p95', 'pass'),
      result('p99', 'regressed'),
    ];
    const score = scoreMetrics(results, spec);
    // errors 50 · 0.6 + latency 66.67 · 0.4 = 56.67 → marginal
    expect(score.value).toBeCloseTo(0.6 * 50 + 0.4 * (200 / 3), 10);
    expect(score.classification).toBe('marginal');
    expect(score.groups[0]).toMatchObject({ score: 50, passed: 1, counted: 2, failed: ['error_rate'] });
    expect(score.reason).toBe('score 56.7 ≥ marginal 50, < pass 75: errors 50 (1/2), latency 66.7 (2/3)');
    expect(scoreMetrics(results, { ...spec, thresholds: { pass: 90, marginal: 60 } }).classification).toBe('fail');
    expect(scoreMetrics(results, { ...spec, thresholds: { pass: 55 } }).classification).toBe('pass');
  });

  it('leaves metrics without a judgement out of the count (Kayenta Nodata)', () => {
    const results = [
      result('error_rate', 'pass'),
      result('errors_5xx', 'missing'),
      result('p50', 'error'),
      result('p95', 'unknown'),
      result('p99', 'regressed'),
    ];
    const score = scoreMetrics(results, spec);
    expect(score.groups[0]).toMatchObject({ score: 100, passed: 1, counted: 1, nodata: ['errors_5xx'] });
    expect(score.groups[1]).toMatchObject({ score: 0, passed: 0, counted: 1, failed: ['p99'], nodata: ['p50', 'p95'] });
    expect(score.value).toBeCloseTo(60, 10);
  });

  it('renormalises the weights over groups that have data', () => {
    const results = [result('error_rate', 'pass'), result('errors_5xx', 'regressed')];
    const score = scoreMetrics(results, spec);
    expect(score.groups[1]).toMatchObject({ score: null, counted: 0, nodata: ['p50', 'p95', 'p99'] });
    expect(score.value).toBe(50);
  });

  it('nothing scored → value null, nodata', () => {
    const score = scoreMetrics([result('error_rate', 'unjudged')], spec);
    expect(score).toMatchObject({ value: null, critical: false, classification: 'nodata' });
    expect(score.reason).toBe('no group has data: errors no data, latency no data');
  });

  it('a critical metric that regressed forces 0 and critical', () => {
    const results = ['errors_5xx', 'p50', 'p95', 'p99'].map((name) => result(name, 'pass')).concat(result('error_rate', 'regressed'));
    const score = scoreMetrics(results, { ...spec, critical: ['error_rate'] });
    expect(score).toMatchObject({ value: 0, critical: true, classification: 'fail', criticalFailures: ['error_rate'] });
    expect(score.reason).toBe('critical metric error_rate regressed: score 0');
  });

  it('a critical metric without data makes the score unknown, not 0 (no data never aborts)', () => {
    const results = ['errors_5xx', 'p50', 'p95', 'p99'].map((name) => result(name, 'pass')).concat(result('error_rate', 'missing'));
    const score = scoreMetrics(results, { ...spec, critical: ['error_rate'] });
    expect(score).toMatchObject({ value: null, critical: null, classification: 'nodata', criticalNodata: ['error_rate'] });
    // A critical metric that is not in any group still decides.
    const outside = scoreMetrics([result('error_rate', 'pass'), result('errors_5xx', 'pass'), result('canary_crashes', 'regressed')], {
      ...spec,
      critical: ['canary_crashes'],
    });
    expect(outside).toMatchObject({ value: 0, critical: true });
  });
});

describe('scoringSchema and validateScoring', () => {
  const metrics = ['error_rate', 'errors_5xx', 'p50', 'p95', 'p99', 'reqs'];

  it('fills in the defaults', () => {
    expect(scoringSchema.parse(spec)).toEqual({ ...spec, critical: [], thresholds: { pass: 75, marginal: 50 } });
    expect(validateScoring(spec, metrics)).toEqual([]);
  });

  it('reports shape problems with paths', () => {
    const problems = validateScoring(
      {
        groups: [
          { name: 'errors', weight: 0, metrics: [] },
          { name: 'x', weight: -2, metrics: ['p50'], extra: 1 },
        ],
        thresholds: { pass: 120 },
        typo: true,
      },
      metrics,
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        { path: ['groups', 0, 'weight'], message: 'weight must be a positive number' },
        { path: ['groups', 0, 'metrics'], message: 'a group needs at least one metric' },
        { path: ['groups', 1, 'weight'], message: 'weight must be a positive number' },
        { path: ['groups', 1, 'extra'], message: 'unknown key "extra"' },
        { path: ['thresholds', 'pass'], message: 'must be in [0, 100]' },
        { path: ['typo'], message: 'unknown key "typo"' },
      ]),
    );
    expect(problems).toHaveLength(6);
    expect(validateScoring({ groups: [] }, metrics)).toEqual([{ path: ['groups'], message: 'scoring needs at least one group' }]);
  });

  it('reports unknown metrics, duplicates, marginal above pass and a metric named score', () => {
    const problems = validateScoring(
      {
        groups: [
          { name: 'errors', weight: 1, metrics: ['error_rate', 'error_rat', 'error_rate'] },
          { name: 'errors', weight: 1, metrics: ['p95'] },
        ],
        critical: ['p99', 'crashes'],
        thresholds: { pass: 60, marginal: 70 },
      },
      [...metrics, 'score'],
    );
    expect(problems).toEqual([
      { path: ['groups', 0, 'metrics', 1], message: 'unknown metric "error_rat" (metrics: error_rate, errors_5xx, p50, p95, p99, reqs, score)' },
      { path: ['groups', 0, 'metrics', 2], message: 'metric "error_rate" is listed twice in group "errors"' },
      { path: ['groups', 1, 'name'], message: 'duplicate group name "errors"' },
      { path: ['critical', 1], message: 'unknown metric "crashes" (metrics: error_rate, errors_5xx, p50, p95, p99, reqs, score)' },
      { path: ['thresholds', 'marginal'], message: 'marginal (70) must not exceed pass (60)' },
      { path: [], message: 'a metric named "score" clashes with the scoring pseudo-metric; rename it' },
    ]);
  });

  it('optionally requires scored metrics to carry a judge', () => {
    const problems = validateScoring({ groups: [{ name: 'g', weight: 1, metrics: ['reqs', 'p95'] }] }, metrics, ['p95']);
    expect(problems).toEqual([{ path: ['groups', 0, 'metrics', 0], message: 'metric "reqs" has no judge, so it has no pass/fail to score' }]);
  });
});
