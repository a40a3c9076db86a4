import { describe, expect, it } from 'vitest';
import { PhaseTally } from '../../../src/daemon/gate-state.js';

describe('PhaseTally', () => {
  it('counts each analysis once, in its latest phase, and forgets deleted ones', () => {
    const tally = new PhaseTally();
    expect(tally.counts()).toEqual({});
    tally.set('a', 'running');
    tally.set('b', 'running');
    tally.set('c', 'paused');
    expect(tally.counts()).toEqual({ running: 2, paused: 1 });
    tally.set('a', 'running');
    tally.set('b', 'succeeded');
    expect(tally.counts()).toEqual({ running: 1, paused: 1, succeeded: 1 });
    tally.forget('c');
    tally.forget('never-seen');
    expect(tally.counts()).toEqual({ running: 1, succeeded: 1 });
    tally.forget('a');
    tally.forget('a');
    expect(tally.counts()).toEqual({ succeeded: 1 });
  });

  it('agrees with a recount over 5000 seeded random changes', () => {
    const phases = ['pending', 'running', 'paused', 'awaiting-approval', 'succeeded', 'aborted', 'failed'] as const;
    const tally = new PhaseTally();
    const truth = new Map<string, (typeof phases)[number]>();
    let seed = 7;
    const next = (bound: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % bound;
    };
    for (let change = 0; change < 5000; change += 1) {
      const id = `a${next(200)}`;
      if (next(10) === 0) {
        tally.forget(id);
        truth.delete(id);
      } else {
        const phase = phases[next(phases.length)] ?? 'running';
        tally.set(id, phase);
        truth.set(id, phase);
      }
    }
    const recount: Record<string, number> = {};
    for (const phase of truth.values()) recount[phase] = (recount[phase] ?? 0) + 1;
    expect(tally.counts()).toEqual(recount);
  });
});
