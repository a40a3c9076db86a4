import { describe, expect, it } from 'vitest';
import { BACKOFF_CAP_MS, backoffDelayMs } from '../../../src/adapters/backoff.js';

describe('backoffDelayMs', () => {
  it('doubles from a 500ms base, half of each step fixed and half jitter', () => {
    expect([1, 2, 3, 4].map((retry) => backoffDelayMs(retry, () => 0))).toEqual([250, 500, 1000, 2000]);
    expect([1, 2, 3, 4].map((retry) => backoffDelayMs(retry, () => 0.5))).toEqual([375, 750, 1500, 3000]);
    expect(backoffDelayMs(1, () => 0.999999)).toBe(499);
  });

  it('never shrinks from one retry to the next, whatever the jitter, until the cap', () => {
    for (let retry = 1; retry < 5; retry += 1) {
      expect(backoffDelayMs(retry + 1, () => 0)).toBeGreaterThan(backoffDelayMs(retry, () => 0.999999));
    }
  });

  it('is capped at 10s', () => {
    expect(backoffDelayMs(30, () => 0.999999)).toBeLessThan(BACKOFF_CAP_MS);
    expect(backoffDelayMs(30, () => 0)).toBe(BACKOFF_CAP_MS / 2);
    expect(BACKOFF_CAP_MS).toBe(10_000);
  });
});
