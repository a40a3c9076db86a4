import { describe, expect, it } from 'vitest';
import type { TickVerdict } from '../../../src/analysis/types.js';
import { missedSlot } from '../../../src/daemon/lease-slots.js';

const START = 1_000_000;
const template = { intervalMs: 60_000 };
const judgedAt = (ms: number) => ({ at: new Date(ms).toISOString() }) as TickVerdict;

describe('missedSlot (the slot a new lease holder judges at once)', () => {
  it('is the latest slot when no tick judged at or after it', () => {
    expect(missedSlot({ startedAt: START, lastVerdict: judgedAt(START + 60_010) }, template, START + 130_000)).toBe(START + 120_000);
    expect(missedSlot({ startedAt: START, lastVerdict: null }, template, START + 61_000)).toBe(START + 60_000);
  });

  it('is null before the first slot and when the latest slot was judged', () => {
    expect(missedSlot({ startedAt: START, lastVerdict: null }, template, START + 59_999)).toBeNull();
    expect(missedSlot({ startedAt: START, lastVerdict: judgedAt(START + 120_040) }, template, START + 130_000)).toBeNull();
  });
});
