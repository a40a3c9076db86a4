import { describe, expect, it } from 'vitest';
import { conditionRefs, formatCondition, parseCondition } from '../../../src/analysis/conditions/parser.js';
import type { ConditionNode } from '../../../src/analysis/types.js';
import { parsed } from './fixtures.js';

function failure(text: string): { message: string; column: number } {
  const result = parseCondition(text);
  if (result.ok) throw new Error(`expected a parse error for: ${text}`);
  return result.error;
}

/** The tree without columns, to compare shapes. */
function shape(node: ConditionNode): unknown {
  switch (node.type) {
    case 'ref':
      return `${node.metric}.${node.stat}`;
    case 'compare':
      return `${node.metric}.${node.stat} ${node.op} ${node.value}`;
    case 'not':
      return { not: shape(node.operand) };
    case 'and':
    case 'or':
      return { [node.type]: [shape(node.left), shape(node.right)] };
  }
}

describe('parseCondition: valid forms', () => {
  it('parses a comparison with its column, value and literal', () => {
    expect(parsed('error_rate.change > 50%')).toEqual({
      type: 'compare',
      metric: 'error_rate',
      stat: 'change',
      column: 1,
      op: '>',
      value: 0.5,
      literal: '50%',
    });
  });

  it('parses a bare ref', () => {
    expect(parsed('  error_rate.missing')).toEqual({ type: 'ref', metric: 'error_rate', stat: 'missing', column: 3 });
  });

  it.each([
    ['a.b < 1', '<'],
    ['a.b <= 1', '<='],
    ['a.b > 1', '>'],
    ['a.b >= 1', '>='],
    ['a.b == 1', '=='],
    ['a.b != 1', '!='],
    ['a.b<=1', '<='],
  ])('parses the operator of %s', (text, op) => {
    const ast = parsed(text);
    expect(ast.type === 'compare' && ast.op).toBe(op);
  });

  it.each([
    ['10%', 0.1],
    ['250ms', 0.25],
    ['3s', 3],
    ['5m', 300],
    ['1e-3', 0.001],
    ['2.5E2', 250],
    ['-0.5', -0.5],
    ['-2', -2],
    ['-.5', -0.5],
    ['.5', 0.5],
    ['1e1%', 0.1],
    ['42', 42],
  ])('applies the unit of %s', (literal, value) => {
    const ast = parsed(`a.b > ${literal}`);
    expect(ast).toMatchObject({ type: 'compare', value, literal });
  });

  it('accepts metric names with digits, underscores and dashes, and score refs', () => {
    expect(shape(parsed('p95-latency_2.canary >= 0'))).toBe('p95-latency_2.canary >= 0');
    expect(shape(parsed('score.value < 0.5 or score.critical'))).toEqual({
      or: ['score.value < 0.5', 'score.critical'],
    });
  });

  it('binds and tighter than or', () => {
    expect(shape(parsed('a.x or b.x and c.x'))).toEqual({ or: ['a.x', { and: ['b.x', 'c.x'] }] });
    expect(shape(parsed('a.x and b.x or c.x'))).toEqual({ or: [{ and: ['a.x', 'b.x'] }, 'c.x'] });
  });

  it('is left-associative and honours parentheses', () => {
    expect(shape(parsed('a.x or b.x or c.x'))).toEqual({ or: [{ or: ['a.x', 'b.x'] }, 'c.x'] });
    expect(shape(parsed('(a.x or b.x) and c.x'))).toEqual({ and: [{ or: ['a.x', 'b.x'] }, 'c.x'] });
  });

  it('applies not to one term only', () => {
    expect(shape(parsed('not a.x and b.x'))).toEqual({ and: [{ not: 'a.x' }, 'b.x'] });
    expect(shape(parsed('not not (a.x > 1 or b.x)'))).toEqual({ not: { not: { or: ['a.x > 1', 'b.x'] } } });
  });

  it('reads a metric named like a keyword when a stat follows it', () => {
    expect(shape(parsed('not not.missing'))).toEqual({ not: 'not.missing' });
  });

  it('accepts newlines and tabs as whitespace (YAML folded text)', () => {
    expect(shape(parsed('a.x > 1\n\tand b.y'))).toEqual({ and: ['a.x > 1', 'b.y'] });
  });
});

describe('parseCondition: errors with exact columns', () => {
  it.each([
    ['', 'empty condition', 1],
    ['   ', 'empty condition', 1],
    ['error_rate.change foo.bar', "expected an operator or 'and'/'or' after 'error_rate.change' at column 19, found 'foo.bar'", 19],
    ['error_rate.change AND b.c', "expected an operator or 'and'/'or' after 'error_rate.change' at column 19, found 'AND'", 19],
    ['error_rate.change > 10h', "unknown unit 'h' at column 23 (use %, ms, s or m)", 23],
    ['a.b > 1h30m', "unknown unit 'h30m' at column 8 (use %, ms, s or m)", 8],
    ['a.b > 1)', "unbalanced ')' at column 8", 8],
    ['(a.b > 1))', "unbalanced ')' at column 10", 10],
    [') a.b', "unbalanced ')' at column 1", 1],
    ['(a.b > 1', "unbalanced '(' at column 1: no matching ')'", 1],
    ['a.x and ((b.x or c.x)', "unbalanced '(' at column 9: no matching ')'", 9],
    ['error_rate > 1', "expected METRIC.STAT at column 1, found 'error_rate' (a stat is missing, e.g. 'error_rate.change')", 1],
    ['5 > a.b', "expected METRIC.STAT at column 1, found '5'", 1],
    ['a.b and', "expected METRIC.STAT after 'and' at column 8, found end of condition", 8],
    ['a.b or or c.d', "expected METRIC.STAT after 'or' at column 8, found 'or'", 8],
    ['not', "expected METRIC.STAT after 'not' at column 4, found end of condition", 4],
    ['()', "expected METRIC.STAT after '(' at column 2, found ')'", 2],
    ['a.b >', "expected a number after '>' at column 6, found end of condition", 6],
    ['a.b > c.d', "expected a number after '>' at column 7, found 'c.d'", 7],
    ['a.b < 1 < 2', "expected 'and'/'or' after 'a.b < 1' at column 9, found '<'", 9],
    ['a.b > 10% c.d', "expected 'and'/'or' after 'a.b > 10%' at column 11, found 'c.d'", 11],
    ['(a.b) c.d', "expected 'and'/'or' after ')' at column 7, found 'c.d'", 7],
    ['a.b = 1', "unexpected character '=' at column 5 (use == to compare)", 5],
    ['!a.b', "unexpected character '!' at column 1 (use != to compare or 'not' to negate)", 1],
    ['a.b && c.d', "unexpected character '&' at column 5 (use 'and')", 5],
    ['a.b || c.d', "unexpected character '|' at column 5 (use 'or')", 5],
    ['a.b > 10 %', "unexpected character '%' at column 10 (a unit must follow its number directly, e.g. 10%)", 10],
    ['a.b > $1', "unexpected character '$' at column 7", 7],
    ['a. > 1', "expected a stat name after 'a.' at column 3", 3],
    ['a.b > 1.', "incomplete number '1.' at column 7: expected a digit after '.'", 7],
    ['a.b > 1e999', "number '1e999' at column 7 is too large", 7],
  ])('%j → %s', (text, message, column) => {
    expect(failure(text)).toEqual({ message, column });
  });

  it('refuses nesting deeper than 64 levels instead of overflowing the stack', () => {
    const deep = `${'('.repeat(100)}a.b${')'.repeat(100)}`;
    expect(failure(deep)).toEqual({
      message: 'condition nested too deeply at column 65 (more than 64 levels)',
      column: 65,
    });
    expect(parseCondition(`${'('.repeat(64)}a.b${')'.repeat(64)}`).ok).toBe(true);
  });
});

describe('formatCondition', () => {
  it.each([
    ['error_rate.change   >   50%', 'error_rate.change > 50%'],
    ['a.x or b.x and c.x', 'a.x or b.x and c.x'],
    ['(a.x or b.x) and c.x', '(a.x or b.x) and c.x'],
    ['a.x and (b.x and c.x)', 'a.x and (b.x and c.x)'],
    ['((a.x)) and b.x', 'a.x and b.x'],
    ['not (a.x and b.y)', 'not (a.x and b.y)'],
    ['not(a.x)', 'not a.x'],
    ['a.b>=1e-3', 'a.b >= 1e-3'],
  ])('formats %j as %j', (text, canonical) => {
    expect(formatCondition(parsed(text))).toBe(canonical);
  });

  it('gives text that parses back to the same tree', () => {
    for (const text of ['a.x or (b.x or c.x)', 'not (a.x or b.x) and c.x < -2', '(a.x and b.x) or not c.x']) {
      const ast = parsed(text);
      expect(shape(parsed(formatCondition(ast)))).toEqual(shape(ast));
    }
  });
});

describe('conditionRefs', () => {
  it('lists every ref with its column, in written order', () => {
    expect(conditionRefs(parsed('a.x > 1 or (not b.y and a.x < 0)'))).toEqual([
      { metric: 'a', stat: 'x', column: 1 },
      { metric: 'b', stat: 'y', column: 17 },
      { metric: 'a', stat: 'x', column: 25 },
    ]);
  });
});
