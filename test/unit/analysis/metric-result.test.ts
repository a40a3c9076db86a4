import { describe, expect, it } from 'vitest';
import { buildMetricResult, statLookupFor, type MetricJudgeHook } from '../../../src/analysis/metric-result.js';
import type { Measurement, MetricSpec, RenderedQueries } from '../../../src/analysis/types.js';

const spec: MetricSpec = { name: 'error_rate', query: 'q', direction: 'increase' };
const queries: RenderedQueries = { baseline: 'q{track="baseline"}', canary: 'q{track="canary"}' };
const value = (v: number): Measurement => ({ kind: 'value', value: v });
const missing: Measurement = { kind: 'missing', reason: 'query returned no data' };

describe('buildMetricResult: values', () => {
  it('computes delta, change and ratio', () => {
    expect(buildMetricResult(spec, value(0.02), value(0.03), queries)).toEqual({
      name: 'error_rate',
      baseline: 0.02,
      canary: 0.03,
      delta: 0.03 - 0.02,
      change: (0.03 - 0.02) / 0.02,
      ratio: 0.03 / 0.02,
      missing: false,
      error: false,
      queries,
    });
  });

  it('divides the change by the absolute baseline', () => {
    const result = buildMetricResult(spec, value(-4), value(-2), queries);
    expect(result.change).toBe(0.5);
    expect(result.ratio).toBe(0.5);
    expect(result.delta).toBe(2);
  });

  it('leaves change and ratio null over a zero baseline, but not the delta', () => {
    const result = buildMetricResult(spec, value(0), value(3), queries);
    expect(result).toMatchObject({ baseline: 0, canary: 3, delta: 3, change: null, ratio: null, missing: false });
  });

  it('ignores the direction: it is for judges', () => {
    const up = buildMetricResult(spec, value(1), value(2), queries);
    const down = buildMetricResult({ ...spec, direction: 'decrease' }, value(1), value(2), queries);
    expect(down).toEqual(up);
  });

  it('reads a one-element vector as a value', () => {
    const vector: Measurement = { kind: 'vector', series: [{ labels: { track: 'canary' }, value: 7 }] };
    expect(buildMetricResult(spec, value(5), vector, queries)).toMatchObject({ canary: 7, delta: 2, error: false });
  });
});

describe('buildMetricResult: missing and failed data', () => {
  it.each([
    ['kind missing', missing, 'query returned no data'],
    ['NaN', value(Number.NaN), 'value is NaN'],
    ['+Inf', value(Number.POSITIVE_INFINITY), 'value is Infinity'],
    ['an empty vector', { kind: 'vector', series: [] } as Measurement, 'query returned no series'],
  ])('a canary with %s is missing and nulls every stat that needs it', (_label, canary, reason) => {
    expect(buildMetricResult(spec, value(0.02), canary, queries)).toEqual({
      name: 'error_rate',
      baseline: 0.02,
      canary: null,
      delta: null,
      change: null,
      ratio: null,
      missing: true,
      error: false,
      message: `canary: ${reason}`,
      queries,
    });
  });

  it('a failed query is an error naming the variant and the source message', () => {
    const failed: Measurement = {
      kind: 'error',
      error: { kind: 'rejected-query', message: 'parse error at char 5: unexpected "}"' },
    };
    const result = buildMetricResult(spec, value(1), failed, queries);
    expect(result).toMatchObject({
      baseline: 1,
      canary: null,
      change: null,
      error: true,
      missing: false,
      message: 'canary: rejected-query: parse error at char 5: unexpected "}"',
    });
  });

  it('reports both sides when both fail', () => {
    const result = buildMetricResult(spec, { kind: 'error', error: { kind: 'timeout', message: 'no answer in 10s' } }, missing, queries);
    expect(result).toMatchObject({ error: true, missing: true });
    expect(result.message).toBe('baseline: timeout: no answer in 10s; canary: query returned no data');
  });

  it('several series on a metric without judge are an error that names them', () => {
    const vector: Measurement = {
      kind: 'vector',
      series: [
        { labels: { pod: 'a', track: 'canary' }, value: 1 },
        { labels: { track: 'canary', pod: 'b' }, value: 2 },
        { labels: { pod: 'c' }, value: 3 },
      ],
    };
    const result = buildMetricResult(spec, value(1), vector, queries);
    expect(result.error).toBe(true);
    expect(result.canary).toBeNull();
    expect(result.message).toBe('canary: query returned 3 series where one was expected: {pod="a",track="canary"}, {pod="b",track="canary"}, {pod="c"}');
  });

  it('samples on a metric without judge are an error', () => {
    const samples: Measurement = {
      kind: 'samples',
      samples: [
        { at: 1, value: 1 },
        { at: 2, value: 2 },
      ],
    };
    const result = buildMetricResult(spec, samples, value(1), queries);
    expect(result.error).toBe(true);
    expect(result.message).toBe('baseline: query returned 2 samples over time where one value was expected');
  });
});

describe('buildMetricResult: judge hook', () => {
  const judged: MetricSpec = { ...spec, judge: { type: 'mann-whitney' } };
  const samples: Measurement = { kind: 'samples', samples: [{ at: 1, value: 1 }] };

  it('gives judge stats null defaults on a judged metric', () => {
    expect(buildMetricResult(judged, value(1), value(1), queries)).toMatchObject({
      regressed: null,
      improved: null,
      p_value: null,
    });
  });

  it('merges a non-null hook answer, which replaces the wrong-shape error', () => {
    const hook: MetricJudgeHook = () => ({ regressed: true, improved: false, p_value: 0.01, baseline: 1, canary: 2 });
    const result = buildMetricResult(judged, samples, samples, queries, hook);
    expect(result).toMatchObject({ error: false, regressed: true, improved: false, p_value: 0.01, baseline: 1, canary: 2 });
    expect(result.message).toBeUndefined();
    expect(result.name).toBe('error_rate');
    expect(result.queries).toBe(queries);
  });

  it('keeps the scalar result when the hook answers null', () => {
    const result = buildMetricResult(judged, samples, value(1), queries, () => null);
    expect(result.error).toBe(true);
  });

  it('cannot clear a failed query', () => {
    const failed: Measurement = { kind: 'error', error: { kind: 'unreachable', message: 'connection refused' } };
    const result = buildMetricResult(judged, failed, value(1), queries, () => ({ error: false, regressed: false }));
    expect(result.error).toBe(true);
    expect(result.message).toBe('baseline: unreachable: connection refused');
    expect(result.regressed).toBe(false);
  });
});

describe('statLookupFor', () => {
  const results = [
    buildMetricResult(spec, value(0.02), value(0.03), queries),
    buildMetricResult({ ...spec, name: 'latency' }, value(1), missing, queries),
    { ...buildMetricResult({ ...spec, name: 'score', judge: { type: 't' } }, value(1), value(1), queries), regressed: true, p_value: 0.2 },
  ];
  const lookup = statLookupFor(results);

  it('maps metric.stat to the result fields', () => {
    expect(lookup('error_rate', 'baseline')).toBe(0.02);
    expect(lookup('error_rate', 'canary')).toBe(0.03);
    expect(lookup('error_rate', 'delta')).toBe(0.03 - 0.02);
    expect(lookup('error_rate', 'change')).toBe((0.03 - 0.02) / 0.02);
    expect(lookup('error_rate', 'ratio')).toBe(0.03 / 0.02);
    expect(lookup('error_rate', 'missing')).toBe(false);
    expect(lookup('latency', 'missing')).toBe(true);
    expect(lookup('latency', 'change')).toBeNull();
    expect(lookup('error_rate', 'error')).toBe(false);
    expect(lookup('score', 'regressed')).toBe(true);
    expect(lookup('score', 'improved')).toBeNull();
    expect(lookup('score', 'p_value')).toBe(0.2);
  });

  it('answers undefined for unknown metrics, stats, and judge stats of unjudged metrics', () => {
    expect(lookup('nope', 'change')).toBeUndefined();
    expect(lookup('error_rate', 'median')).toBeUndefined();
    expect(lookup('error_rate', 'name')).toBeUndefined();
    expect(lookup('error_rate', 'regressed')).toBeUndefined();
  });
});
