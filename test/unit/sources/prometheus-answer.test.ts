import { describe, expect, it } from 'vitest';
import { parseInstantAnswer, parseRangeAnswer, parseSampleValue } from '../../../src/sources/prometheus/answer.js';

const ok = (data: unknown, extra: Record<string, unknown> = {}): string => JSON.stringify({ status: 'success', data, ...extra });
const vector = (...series: Array<[Record<string, string>, string]>): string =>
  ok({ resultType: 'vector', result: series.map(([metric, value]) => ({ metric, value: [1700000000.5, value] })) });

describe('parseSampleValue', () => {
  it.each([
    ['1.5', 1.5],
    ['-2', -2],
    ['1e-3', 0.001],
    ['6.02E+23', 6.02e23],
    ['.5', 0.5],
    ['+Inf', Infinity],
    ['Inf', Infinity],
    ['-Inf', -Infinity],
  ])('reads %s', (text, expected) => {
    expect(parseSampleValue(text)).toBe(expected);
  });

  it('reads NaN as a number', () => {
    expect(parseSampleValue('NaN')).toBeNaN();
  });

  it.each([[''], ['abc'], ['1,5'], ['0x10'], [' 1'], [null], [3]])('refuses %j', (raw) => {
    expect(parseSampleValue(raw)).toBeNull();
  });
});

describe('parseInstantAnswer', () => {
  it('reads a one-element vector as a value, keeping warnings', () => {
    const text = JSON.stringify({ ...JSON.parse(vector([{ pod: 'a' }, '42'])), warnings: ['partial answer'] });
    expect(parseInstantAnswer(text)).toEqual({ ok: true, measurement: { kind: 'value', value: 42 }, warnings: ['partial answer'] });
  });

  it('reads a scalar as a value, or as one unlabelled series when a vector is expected', () => {
    const text = ok({ resultType: 'scalar', result: [1700000000, '0.25'] });
    expect(parseInstantAnswer(text)).toMatchObject({ ok: true, measurement: { kind: 'value', value: 0.25 } });
    expect(parseInstantAnswer(text, { expect: 'vector' })).toMatchObject({
      ok: true,
      measurement: { kind: 'vector', series: [{ labels: {}, value: 0.25 }] },
    });
  });

  it('returns NaN and +Inf as numbers', () => {
    const nan = parseInstantAnswer(vector([{}, 'NaN']));
    expect(nan.ok && nan.measurement.kind === 'value' && Number.isNaN(nan.measurement.value)).toBe(true);
    expect(parseInstantAnswer(vector([{}, '+Inf']))).toMatchObject({ measurement: { kind: 'value', value: Infinity } });
  });

  it('reports an empty vector as missing', () => {
    expect(parseInstantAnswer(vector())).toMatchObject({ ok: true, measurement: { kind: 'missing', reason: 'no series' } });
    expect(parseInstantAnswer(vector(), { expect: 'vector' })).toMatchObject({ measurement: { kind: 'missing' } });
  });

  it('returns every series when a vector is expected', () => {
    expect(parseInstantAnswer(vector([{ le: '0.1' }, '3'], [{ le: '+Inf' }, '5']), { expect: 'vector' })).toEqual({
      ok: true,
      warnings: [],
      measurement: {
        kind: 'vector',
        series: [
          { labels: { le: '0.1' }, value: 3 },
          { labels: { le: '+Inf' }, value: 5 },
        ],
      },
    });
  });

  it('names the series when one was expected and several came', () => {
    const answer = parseInstantAnswer(vector([{ pod: 'a' }, '1'], [{ __name__: 'up', pod: 'b' }, '2']));
    expect(answer).toEqual({
      ok: false,
      failure: { kind: 'several-series', detail: 'query returned 2 series where one was expected: {pod="a"}, up{pod="b"}' },
    });
  });

  it('lists at most five series, then how many more', () => {
    const many = Array.from({ length: 8 }, (_, i): [Record<string, string>, string] => [{ pod: `p${i}` }, '1']);
    const answer = parseInstantAnswer(vector(...many));
    expect(answer.ok).toBe(false);
    if (!answer.ok) {
      expect(answer.failure.detail).toContain('{pod="p4"} and 3 more');
      expect(answer.failure.detail).not.toContain('p5');
    }
  });

  it.each([
    ['not JSON', '<html>oops</html>', 'not JSON: "<html>oops</html>"'],
    ['an array', '[1,2]', 'not a JSON object'],
    ['no status', JSON.stringify({ data: {} }), 'status is null'],
    ['no resultType', ok({ result: [] }), 'missing data.resultType'],
    ['no data', JSON.stringify({ status: 'success' }), 'missing data.resultType'],
    ['vector not a list', ok({ resultType: 'vector', result: {} }), 'not a list'],
    ['series without metric', ok({ resultType: 'vector', result: [{ value: [1, '1'] }] }), 'no "metric" object'],
    ['non-string label', ok({ resultType: 'vector', result: [{ metric: { a: 1 }, value: [1, '1'] }] }), 'non-string label a'],
    ['value not a pair', ok({ resultType: 'vector', result: [{ metric: {}, value: '1' }] }), 'not a [time, value] pair'],
    ['numeric value', ok({ resultType: 'vector', result: [{ metric: {}, value: [1, 1] }] }), 'non-numeric value 1'],
    ['text value', ok({ resultType: 'scalar', result: [1, 'x'] }), 'non-numeric value "x"'],
    ['string time', ok({ resultType: 'scalar', result: ['1', '1'] }), 'non-numeric time'],
    ['unknown type', ok({ resultType: 'table', result: [] }), 'unknown resultType "table"'],
  ])('reports %s as a malformed answer', (_what, text, detail) => {
    const answer = parseInstantAnswer(text);
    expect(answer).toMatchObject({ ok: false, failure: { kind: 'malformed-answer' } });
    if (!answer.ok) expect(answer.failure.detail).toContain(detail);
  });

  it('turns an error answer into a failure by errorType', () => {
    const error = JSON.stringify({ status: 'error', errorType: 'bad_data', error: '1:5: parse error' });
    expect(parseInstantAnswer(error)).toEqual({
      ok: false,
      failure: { kind: 'rejected-query', detail: 'rejected query: 1:5: parse error' },
    });
  });

  it('refuses range vectors, strings and native histograms in an instant query', () => {
    expect(parseInstantAnswer(ok({ resultType: 'matrix', result: [] }))).toMatchObject({ failure: { kind: 'rejected-query' } });
    expect(parseInstantAnswer(ok({ resultType: 'string', result: [1, 'x'] }))).toMatchObject({ failure: { kind: 'rejected-query' } });
    const native = ok({ resultType: 'vector', result: [{ metric: {}, histogram: [1, { count: '3' }] }] });
    const answer = parseInstantAnswer(native);
    expect(answer).toMatchObject({ ok: false, failure: { kind: 'rejected-query' } });
    if (!answer.ok) expect(answer.failure.detail).toContain('native histogram');
  });
});

describe('parseRangeAnswer', () => {
  const matrix = (...series: Array<[Record<string, string>, Array<[number, string]>]>): string =>
    ok({ resultType: 'matrix', result: series.map(([metric, values]) => ({ metric, values })) });

  it('reads one series as samples in ms, sorted by time', () => {
    expect(
      parseRangeAnswer(
        matrix([
          {},
          [
            [1700000060, '2'],
            [1700000000.25, '1'],
          ],
        ]),
      ),
    ).toEqual({
      ok: true,
      warnings: [],
      measurement: {
        kind: 'samples',
        samples: [
          { at: 1700000000250, value: 1 },
          { at: 1700000060000, value: 2 },
        ],
      },
    });
  });

  it('reports no series as missing and several as an error naming them', () => {
    expect(parseRangeAnswer(matrix())).toMatchObject({ measurement: { kind: 'missing', reason: 'no series' } });
    expect(parseRangeAnswer(matrix([{ a: '1' }, []]))).toMatchObject({ measurement: { kind: 'missing', reason: 'no samples' } });
    expect(parseRangeAnswer(matrix([{ track: 'canary' }, [[1, '1']]], [{ track: 'baseline' }, [[1, '1']]]))).toMatchObject({
      ok: false,
      failure: { kind: 'several-series', detail: expect.stringContaining('{track="canary"}, {track="baseline"}') },
    });
  });

  it('reports a non-matrix answer or a bad sample as malformed', () => {
    expect(parseRangeAnswer(vector([{}, '1']))).toMatchObject({ failure: { kind: 'malformed-answer' } });
    expect(parseRangeAnswer(matrix([{}, [[1, 'one']]]))).toMatchObject({
      failure: { kind: 'malformed-answer', detail: expect.stringContaining("series 1's sample 1 has a non-numeric value") },
    });
    expect(parseRangeAnswer(ok({ resultType: 'matrix', result: [{ metric: {} }] }))).toMatchObject({
      failure: { kind: 'malformed-answer', detail: expect.stringContaining('no "values" list') },
    });
  });
});
