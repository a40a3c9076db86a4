import { describe, expect, it } from 'vitest';
import { evaluateCondition, type StatLookup } from '../../../src/analysis/conditions/evaluate.js';
import type { Truth } from '../../../src/analysis/types.js';
import { parsed } from './fixtures.js';

const TRUTH_REFS: Record<Truth, string> = { true: 'flag.yes', false: 'flag.no', unknown: 'flag.absent' };

const flags: StatLookup = (metric, stat) => {
  if (metric !== 'flag') return undefined;
  if (stat === 'yes') return true;
  if (stat === 'no') return false;
  return null;
};

function truthOf(text: string, lookup: StatLookup = flags): Truth {
  return evaluateCondition(parsed(text), lookup).truth;
}

const T: Truth = 'true';
const F: Truth = 'false';
const U: Truth = 'unknown';

describe('evaluateCondition: Kleene logic', () => {
  it.each([
    [T, T, T, T],
    [T, F, F, T],
    [T, U, U, T],
    [F, T, F, T],
    [F, F, F, F],
    [F, U, F, U],
    [U, T, U, T],
    [U, F, F, U],
    [U, U, U, U],
  ])('%s and/or %s → and %s, or %s', (left, right, and, or) => {
    expect(truthOf(`${TRUTH_REFS[left]} and ${TRUTH_REFS[right]}`)).toBe(and);
    expect(truthOf(`${TRUTH_REFS[left]} or ${TRUTH_REFS[right]}`)).toBe(or);
  });

  it.each([
    [T, F],
    [F, T],
    [U, U],
  ])('not %s → %s', (operand, result) => {
    expect(truthOf(`not ${TRUTH_REFS[operand]}`)).toBe(result);
  });

  it('respects precedence when evaluating', () => {
    // true or (false and unknown) = true; (true or false) and unknown would be unknown.
    expect(truthOf('flag.yes or flag.no and flag.absent')).toBe(T);
    expect(truthOf('(flag.yes or flag.no) and flag.absent')).toBe(U);
  });
});

describe('evaluateCondition: comparisons', () => {
  const values =
    (value: number | boolean | null | undefined): StatLookup =>
    () =>
      value;

  it.each([
    ['m.v < 1', 0.5, T],
    ['m.v < 1', 1, F],
    ['m.v <= 1', 1, T],
    ['m.v > 10%', 0.1, F],
    ['m.v >= 10%', 0.1, T],
    ['m.v == 0.25', 0.25, T],
    ['m.v == 250ms', 0.25, T],
    ['m.v != 0.3', 0.1 + 0.2, T],
    ['m.v == 0.3', 0.1 + 0.2, F],
    ['m.v > -1', -0.5, T],
  ])('%s with %s → %s', (text, value, truth) => {
    expect(truthOf(text, values(value))).toBe(truth);
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['NaN', Number.NaN],
    ['+Inf', Number.POSITIVE_INFINITY],
    ['-Inf', Number.NEGATIVE_INFINITY],
    ['a boolean', true],
  ])('a comparison on %s is unknown, and so is its negation', (_label, value) => {
    expect(truthOf('m.v < 1', values(value))).toBe(U);
    expect(truthOf('m.v >= 1', values(value))).toBe(U);
    expect(truthOf('not m.v < 1', values(value))).toBe(U);
  });

  it('a change over a zero baseline (null) is unknown', () => {
    const zeroBaseline: StatLookup = (_metric, stat) => (stat === 'change' ? null : 0);
    expect(truthOf('error_rate.change < 10%', zeroBaseline)).toBe(U);
    expect(truthOf('error_rate.change > 50%', zeroBaseline)).toBe(U);
  });

  it('a bare ref on a number is unknown', () => {
    expect(truthOf('m.v', values(1))).toBe(U);
  });
});

describe('evaluateCondition: observed values', () => {
  it('lists each ref once in written order, null when missing or not finite', () => {
    const lookup: StatLookup = (metric, stat) => {
      const table: Record<string, number | boolean | null> = {
        'error_rate.change': 0.62,
        'p95_latency.change': Number.NaN,
        'requests.missing': false,
      };
      return table[`${metric}.${stat}`];
    };
    const result = evaluateCondition(
      parsed('error_rate.change > 50% or p95_latency.change > 1 or error_rate.change < 0 or requests.missing or nope.x'),
      lookup,
    );
    expect(result).toEqual({
      truth: T,
      observed: [
        { ref: 'error_rate.change', value: 0.62 },
        { ref: 'p95_latency.change', value: null },
        { ref: 'requests.missing', value: false },
        { ref: 'nope.x', value: null },
      ],
    });
  });

  it('reads every operand even when the first already decides', () => {
    let reads = 0;
    const lookup: StatLookup = () => {
      reads += 1;
      return false;
    };
    const result = evaluateCondition(parsed('a.x and b.y'), lookup);
    expect(result.truth).toBe(F);
    expect(result.observed.map((one) => one.ref)).toEqual(['a.x', 'b.y']);
    expect(reads).toBe(2);
  });
});
