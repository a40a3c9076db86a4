import { describe, expect, it } from 'vitest';
import { checkPromqlSyntax } from '../../../src/sources/prometheus/promql-check.js';
import { valueOffsets } from '../../../src/template/scalar-offsets.js';

describe('checkPromqlSyntax (lezer-promql)', () => {
  it.each([
    'sum(rate(x[5m]))',
    'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{service="a",track="canary"}[5m])))',
    'sum(rate(http_requests_total{code=~"5..",path!~"/health.*"}[5m])) / sum(rate(http_requests_total[5m]))',
    'rate(x[5m] offset 1d)',
    'x @ 1609746000',
    'rate(x[5m] @ end())',
    'sum without (pod) (x) > bool 0',
    'rate(x[5m:1m])',
    "x{a='single', b=`raw`}",
    '# a comment\nvector(1)',
    'avg_over_time(x[10m]) or vector(0)',
  ])('accepts %j', (query) => {
    expect(checkPromqlSyntax(query)).toBeNull();
  });

  it.each([
    ['sum(rate(x[5m])', 15, 'PromQL syntax error: unexpected end of query'],
    ['foo{', 4, 'PromQL syntax error: unexpected end of query'],
    ['1 +', 3, 'PromQL syntax error: unexpected end of query'],
    ['x{a="b" or vector(1) #"}', 8, 'PromQL syntax error: unexpected "or"'],
    ['rate(x[5m]) +* 2', 13, 'PromQL syntax error: unexpected "*"'],
    ['   ', 0, 'PromQL syntax error: empty query'],
  ])('flags %j at offset %i', (query, offset, message) => {
    expect(checkPromqlSyntax(query)).toEqual({ offset, message });
  });
});

describe('valueOffsets', () => {
  it('plain scalars map one to one', () => {
    expect(valueOffsets('a.b > 1', 'a.b > 1', 'PLAIN')).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('double-quoted scalars skip the quote and map an escape to its backslash', () => {
    // "a\"b" → a"b
    expect(valueOffsets('"a\\"b"', 'a"b', 'QUOTE_DOUBLE')).toEqual([1, 2, 4, 5]);
    // "\x41z" → Az
    expect(valueOffsets('"\\x41z"', 'Az', 'QUOTE_DOUBLE')).toEqual([1, 5, 6]);
  });

  it('single-quoted scalars map a doubled quote to its first half', () => {
    expect(valueOffsets("'it''s'", "it's", 'QUOTE_SINGLE')).toEqual([1, 2, 3, 5, 6]);
  });

  it('block scalars skip their header and map folded line breaks to the break', () => {
    const source = '>-\n  ab\n  cd';
    expect(valueOffsets(source, 'ab cd', 'BLOCK_FOLDED')).toEqual([5, 6, 7, 10, 11, 12]);
    const literal = '|\n  ab\n  cd\n';
    expect(valueOffsets(literal, 'ab\ncd\n', 'BLOCK_LITERAL')).toEqual([4, 5, 6, 9, 10, 11, 12]);
  });
});
