import { describe, expect, it } from 'vitest';
import { evidenceHash } from '../../../src/analysis/evidence-hash.js';
import { statLookupFor } from '../../../src/analysis/metric-result.js';
import { evaluateRules, type RuleOutcome } from '../../../src/analysis/rules.js';
import { applyTick, isJudgementDue, startAnalysis, windowMs } from '../../../src/analysis/step-machine.js';
import type { AnalysisState } from '../../../src/analysis/types.js';
import { MINUTE, SECOND, T0, healthyMetrics, makeTemplate, missingResult, valueResult } from './fixtures.js';
import { FakeClock, abortingMetrics, allMissing, expectDomainError, lowTraffic, tick } from './step-helpers.js';

describe('startAnalysis, isJudgementDue, windowMs', () => {
  it('starts running at step 0 and sets its weight', () => {
    const template = makeTemplate();
    expect(startAnalysis(template, T0)).toEqual({
      state: {
        phase: 'running',
        stepIndex: 0,
        startedAt: T0,
        stepStartedAt: T0,
        consecutiveErrors: {},
        lastVerdict: null,
        decidedAt: null,
        decidedBy: null,
      },
      actions: [{ type: 'set-weight', step: 0, weight: 1 }],
    });
  });

  it('refuses a template without steps', () => {
    expectDomainError(() => startAnalysis(makeTemplate({ steps: [] }), T0), 'no-steps');
  });

  it('judges only after the initial delay, and only while running', () => {
    const template = makeTemplate({ initialDelayMs: 5 * MINUTE });
    const { state } = startAnalysis(template, T0);
    expect(isJudgementDue(template, state, T0 + 5 * MINUTE - 1)).toBe(false);
    expect(isJudgementDue(template, state, T0 + 5 * MINUTE)).toBe(true);
    expect(isJudgementDue(template, { ...state, phase: 'paused' }, T0 + 10 * MINUTE)).toBe(false);
  });

  it('uses the lookback as window, or the step age but at least one interval', () => {
    const template = makeTemplate();
    const { state } = startAnalysis(template, T0);
    expect(windowMs(template, state, T0 + 10 * SECOND)).toBe(MINUTE);
    expect(windowMs(template, state, T0 + 7 * MINUTE)).toBe(7 * MINUTE);
    expect(windowMs(makeTemplate({ lookbackMs: 10 * MINUTE }), state, T0 + 30 * MINUTE)).toBe(10 * MINUTE);
  });
});

describe('applyTick: promotion and minDuration', () => {
  const template = makeTemplate();

  it('holds back a promote rule until minDuration, then advances', () => {
    const clock = new FakeClock(T0);
    let { state } = startAnalysis(template, clock.now);
    const early = tick(template, state, healthyMetrics(), clock.advance(3 * MINUTE));
    expect(early.verdict.action).toBe('continue');
    expect(early.verdict.rule).toEqual({ id: 'healthy', group: 'promote' });
    expect(early.verdict.reason).toBe('promote rule healthy fired but step 1 of 5 has run 3m of its minDuration 5m');
    expect(early.actions).toEqual([]);
    expect(early.state.stepIndex).toBe(0);
    state = early.state;

    const due = tick(template, state, healthyMetrics(), clock.advance(2 * MINUTE));
    expect(due.verdict.action).toBe('promote');
    expect(due.verdict.reason).toBe(
      'promote rule healthy fired: error_rate.change = 1% < 10%; p95_latency.change = 5% < 20%; advancing to step 2 of 5 (weight 5)',
    );
    expect(due.actions).toEqual([{ type: 'set-weight', step: 1, weight: 5 }]);
    expect(due.state).toMatchObject({ phase: 'running', stepIndex: 1, stepStartedAt: clock.now, decidedAt: null });
  });

  it('promotes at once with ignoreMinDuration', () => {
    const { state } = startAnalysis(template, T0);
    const result = tick(template, state, healthyMetrics(), T0 + MINUTE, { ignoreMinDuration: true });
    expect(result.verdict.action).toBe('promote');
    expect(result.state.stepIndex).toBe(1);
  });

  it('succeeds when promoting from the last step', () => {
    const { state } = startAnalysis(template, T0);
    const last: AnalysisState = { ...state, stepIndex: 4, stepStartedAt: T0 };
    const result = tick(template, last, healthyMetrics(), T0 + 15 * MINUTE);
    expect(result.verdict.action).toBe('promote');
    expect(result.verdict.reason).toMatch(/; analysis succeeded at step 5 of 5 \(weight 100\)$/);
    expect(result.actions).toEqual([{ type: 'complete', step: 4, weight: 100 }]);
    expect(result.state).toMatchObject({
      phase: 'succeeded',
      stepIndex: 4,
      decidedAt: T0 + 15 * MINUTE,
      decidedBy: { id: 'healthy', group: 'promote' },
    });
  });

  it('runs a whole analysis to success on a fake clock', () => {
    const clock = new FakeClock(T0);
    let { state } = startAnalysis(template, clock.now);
    const weights: number[] = [];
    for (let minute = 1; minute <= 120 && state.phase === 'running'; minute += 1) {
      const result = tick(template, state, healthyMetrics(), clock.advance(MINUTE));
      for (const action of result.actions) weights.push(action.weight);
      state = result.state;
    }
    expect(state.phase).toBe('succeeded');
    expect(weights).toEqual([5, 25, 50, 100, 100]);
    // 5m on step 1, then 15m on each of the four others.
    expect(state.decidedAt).toBe(T0 + 65 * MINUTE);
  });
});

describe('applyTick: abort, hold, missing data', () => {
  const template = makeTemplate();

  it('aborts at once on an abort rule, whatever the step age', () => {
    const { state } = startAnalysis(template, T0);
    const result = tick(template, state, abortingMetrics(), T0 + SECOND);
    expect(result.verdict).toMatchObject({ action: 'abort', rule: { id: 'error-spike', group: 'abort' } });
    expect(result.verdict.reason).toBe('abort rule error-spike fired: error_rate.change = 100% > 50%');
    expect(result.actions).toEqual([{ type: 'rollback', step: 0, weight: 1 }]);
    expect(result.state).toMatchObject({ phase: 'aborted', decidedAt: T0 + SECOND, decidedBy: { id: 'error-spike', group: 'abort' } });
  });

  it('holds without changing the step', () => {
    const { state } = startAnalysis(template, T0);
    const result = tick(template, state, lowTraffic(), T0 + 30 * MINUTE);
    expect(result.verdict).toMatchObject({ action: 'hold', rule: { id: 'low-traffic', group: 'hold' } });
    expect(result.actions).toEqual([]);
    expect(result.state).toEqual({ ...state, consecutiveErrors: { requests: 0, error_rate: 0, p95_latency: 0 }, lastVerdict: result.verdict });
  });

  it('never promotes nor aborts on missing data, with or without a hold rule for it', () => {
    const withoutHold = makeTemplate({ rules: template.rules.filter((one) => one.id !== 'telemetry-missing') });
    for (const current of [template, withoutHold]) {
      const { state } = startAnalysis(current, T0);
      for (const metrics of [allMissing(), [valueResult('requests', 5000, 5000), missingResult('error_rate'), missingResult('p95_latency')]]) {
        const result = tick(current, state, metrics, T0 + 59 * MINUTE, { ignoreMinDuration: true });
        expect(['hold', 'continue']).toContain(result.verdict.action);
        expect(result.state.phase).toBe('running');
        expect(result.state.stepIndex).toBe(0);
        expect(result.actions).toEqual([]);
      }
    }
  });

  it('records the evidence and its hash in the verdict and the state', () => {
    const { state } = startAnalysis(template, T0);
    const metrics = lowTraffic();
    const outcome: RuleOutcome = evaluateRules(template.rules, statLookupFor(metrics));
    const result = applyTick(template, state, { outcome, metrics, window: '7m', now: T0 + 7 * MINUTE });
    const { evidenceHash: hash, ...rest } = result.verdict;
    expect(rest).toEqual({
      action: 'hold',
      rule: outcome.rule,
      reason: outcome.reason,
      conditions: outcome.conditions,
      metrics,
      window: '7m',
      at: '2024-01-01T00:07:00.000Z',
    });
    expect(hash).toBe(evidenceHash(rest));
    expect(result.state.lastVerdict).toBe(result.verdict);
  });

  it('refuses a tick when the analysis is not running', () => {
    const { state } = startAnalysis(template, T0);
    for (const phase of ['paused', 'succeeded', 'aborted', 'failed', 'pending'] as const) {
      expectDomainError(
        () => tick(template, { ...state, phase }, healthyMetrics(), T0 + MINUTE),
        'not-running',
        `cannot judge a tick: the analysis is ${phase}, not running`,
      );
    }
  });
});
