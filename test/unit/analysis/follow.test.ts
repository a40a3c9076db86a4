import { describe, expect, it } from 'vitest';

import { observeWeight, stepOfWeight } from '../../../src/analysis/follow.js';
import { startAnalysis } from '../../../src/analysis/step-machine.js';
import { makeTemplate, MINUTE, step, T0 } from './fixtures.js';

const template = makeTemplate({ steps: [step(10), step(50), step(100)] });

describe('stepOfWeight', () => {
  it.each([
    [0, 0],
    [10, 0],
    [30, 0],
    [50, 1],
    [99, 1],
    [100, 2],
  ])('weight %d is step %d', (weight, expected) => {
    expect(stepOfWeight(template, weight)).toBe(expected);
  });
});

describe('observeWeight', () => {
  const { state } = startAnalysis(template, T0);

  it('starts following at the first report and changes nothing on a repeated one', () => {
    const first = observeWeight(template, state, 10, T0 + MINUTE);
    expect(first?.state).toMatchObject({ stepIndex: 0, stepStartedAt: T0, follow: { weight: 10, promoted: false } });
    expect(observeWeight(template, first?.state ?? state, 10, T0 + 2 * MINUTE)).toBeNull();
  });

  it('moves to the step of a new weight afresh, ending a sticky promote', () => {
    const promoted = { ...state, consecutiveErrors: { requests: 2 }, follow: { weight: 10, promoted: true } };
    const moved = observeWeight(template, promoted, 50, T0 + 5 * MINUTE);
    expect(moved?.state).toMatchObject({ stepIndex: 1, stepStartedAt: T0 + 5 * MINUTE, consecutiveErrors: {}, follow: { weight: 50, promoted: false } });
    expect(moved?.reason).toMatch(/moved to weight 50: now step 2 of 3/);
  });
});
