// The gate report of seed 002 from a verdict: blockers stated as what must hold (abort and hold
// conditions negated), their values and pass, owners, and the decision mapping.

import { describe, expect, it } from 'vitest';
import type { ConditionRecord, TickVerdict } from '../../../src/analysis/types.js';
import { buildGateReport } from '../../../src/daemon/gate-report.js';

function verdict(action: TickVerdict['action'], conditions: ConditionRecord[]): TickVerdict {
  return { action, rule: null, reason: '', conditions, metrics: [], window: '10m', at: '2026-12-01T10:10:00.000Z', evidenceHash: 'h' };
}

const promoteLow: ConditionRecord = {
  rule: 'healthy',
  group: 'promote',
  text: 'checks.eval.task_success >= 0.85',
  truth: 'false',
  observed: [{ ref: 'checks.eval.task_success', value: 0.7 }],
};
const abortQuiet: ConditionRecord = {
  rule: 'error-spike',
  group: 'abort',
  text: 'error_rate.change > 50%',
  truth: 'false',
  observed: [{ ref: 'error_rate.change', value: 0.02 }],
};
const holdMissing: ConditionRecord = {
  rule: 'telemetry',
  group: 'hold',
  text: 'error_rate.missing',
  truth: 'false',
  observed: [{ ref: 'error_rate.missing', value: false }],
};
const compound: ConditionRecord = {
  rule: 'healthy',
  group: 'promote',
  text: 'a.change < 10% or b.change < 5%',
  truth: 'unknown',
  observed: [
    { ref: 'a.change', value: null },
    { ref: 'b.change', value: 0.1 },
  ],
};

describe('buildGateReport', () => {
  it('states each condition as its target, with the value read and whether it held', () => {
    const report = buildGateReport({
      gateId: 'a1',
      verdict: verdict('continue', [abortQuiet, holdMissing, promoteLow, compound]),
      phase: 'running',
      owners: { release: 'team' },
    });
    expect(report).toEqual({
      gate_id: 'a1',
      window: { duration: '10m', start: '2026-12-01T10:00:00.000Z', end: '2026-12-01T10:10:00.000Z' },
      blockers: {
        'error_rate.change > 50%': { target_lte: 0.5, value: 0.02, pass: true },
        'error_rate.missing': { target_eq: false, value: false, pass: true },
        'checks.eval.task_success >= 0.85': { target_gte: 0.85, value: 0.7, pass: false },
        'a.change < 10% or b.change < 5%': { target_eq: true, value: null, pass: null },
      },
      owners: { release: 'team' },
      decision: 'block',
    });
  });

  it.each([
    ['promote', 'running', 'allow_promotion_to_next_stage'],
    ['hold', 'succeeded', 'allow_promotion_to_next_stage'],
    ['abort', 'aborted', 'rollback'],
    ['abort', 'failed', 'rollback'],
    ['hold', 'running', 'hold'],
    ['continue', 'running', 'hold'],
  ] as const)('a %s verdict in phase %s decides %s (no failing blocker)', (action, phase, decision) => {
    expect(buildGateReport({ gateId: 'a', verdict: verdict(action, [abortQuiet]), phase, owners: undefined }).decision).toBe(decision);
  });

  it('names a condition repeated in another rule by its rule; no verdict: hold, no window', () => {
    const again: ConditionRecord = { ...promoteLow, rule: 'fast-track', truth: 'true', observed: [{ ref: 'checks.eval.task_success', value: 0.9 }] };
    const report = buildGateReport({ gateId: 'a', verdict: verdict('continue', [promoteLow, again]), phase: null, owners: undefined });
    expect(Object.keys(report.blockers)).toEqual(['checks.eval.task_success >= 0.85', 'fast-track: checks.eval.task_success >= 0.85']);
    expect(buildGateReport({ gateId: 'a', verdict: null, phase: 'pending', owners: undefined })).toEqual({
      gate_id: 'a',
      window: null,
      blockers: {},
      owners: {},
      decision: 'hold',
    });
  });
});
