import { describe, expect, it } from 'vitest';
import { startAnalysis, type StepTransition } from '../../../src/analysis/step-machine.js';
import type { AnalysisState, CompiledTemplate, MetricResult } from '../../../src/analysis/types.js';
import { MINUTE, T0, errorResult, healthyMetrics, makeTemplate, step, valueResult } from './fixtures.js';
import { abortingMetrics, lowTraffic, tick } from './step-helpers.js';

describe('applyTick: maxDuration and onTimeout', () => {
  it('aborts a step that reaches maxDuration without promotion (onTimeout abort)', () => {
    const template = makeTemplate();
    const { state } = startAnalysis(template, T0);
    const before = tick(template, state, lowTraffic(), T0 + 60 * MINUTE - 1);
    expect(before.verdict.action).toBe('hold');
    const result = tick(template, before.state, lowTraffic(), T0 + 60 * MINUTE);
    expect(result.verdict).toMatchObject({ action: 'abort', rule: { id: 'step-timeout', group: 'builtin' } });
    expect(result.verdict.reason).toBe(
      'step 1 of 5 has run 1h, reaching its maxDuration 1h without promotion (onTimeout: abort); hold rule low-traffic fired: requests.canary = 100 < 200',
    );
    expect(result.actions).toEqual([{ type: 'rollback', step: 0, weight: 1 }]);
    expect(result.state).toMatchObject({ phase: 'aborted', decidedBy: { id: 'step-timeout', group: 'builtin' } });
  });

  it('pauses instead with onTimeout pause, also when nothing fired', () => {
    const template = makeTemplate({ onTimeout: 'pause', rules: [] });
    const { state } = startAnalysis(template, T0);
    const result = tick(template, state, healthyMetrics(), T0 + 61 * MINUTE);
    expect(result.verdict).toMatchObject({ action: 'hold', rule: { id: 'step-timeout', group: 'builtin' } });
    expect(result.actions).toEqual([{ type: 'pause', step: 0, weight: 1 }]);
    expect(result.state).toMatchObject({ phase: 'paused', decidedAt: null, decidedBy: null });
  });

  it('never times out a step without maxDuration', () => {
    const template = makeTemplate({ steps: [step(10, { max: null }), step(100)] });
    const { state } = startAnalysis(template, T0);
    const result = tick(template, state, lowTraffic(), T0 + 24 * 60 * MINUTE);
    expect(result.verdict.action).toBe('hold');
    expect(result.state.phase).toBe('running');
  });

  it('lets a due promotion win over the timeout', () => {
    const template = makeTemplate();
    const { state } = startAnalysis(template, T0);
    const result = tick(template, state, healthyMetrics(), T0 + 90 * MINUTE);
    expect(result.verdict.action).toBe('promote');
  });
});

describe('applyTick: consecutive source errors', () => {
  const failing = (): MetricResult[] => [valueResult('requests', 5000, 5000), errorResult('error_rate'), valueResult('p95_latency', 0.2, 0.2)];

  function runErrors(template: CompiledTemplate, ticks: number): StepTransition {
    let { state } = startAnalysis(template, T0);
    let result: StepTransition | undefined;
    for (let index = 1; index <= ticks; index += 1) {
      result = tick(template, state, failing(), T0 + index * MINUTE);
      state = result.state;
    }
    return result as StepTransition;
  }

  it('tolerates consecutiveErrorLimit failed ticks, then pauses (onError pause)', () => {
    const template = makeTemplate();
    const fourth = runErrors(template, 4);
    // Within the limit a failed query holds the tick (it can neither promote nor continue quietly); the analysis keeps running.
    expect(fourth.verdict).toMatchObject({ action: 'hold', rule: { id: 'source-errors', group: 'builtin' } });
    expect(fourth.verdict.reason).toBe('a tick whose queries failed cannot promote: error_rate (canary: timeout: prometheus did not answer within 10s)');
    expect(fourth.actions).toEqual([]);
    expect(fourth.state.phase).toBe('running');
    expect(fourth.state.consecutiveErrors).toEqual({ requests: 0, error_rate: 4, p95_latency: 0 });
    const fifth = tick(template, fourth.state, failing(), T0 + 5 * MINUTE);
    expect(fifth.verdict).toMatchObject({ action: 'hold', rule: { id: 'source-errors', group: 'builtin' } });
    expect(fifth.verdict.reason).toBe(
      'metric error_rate failed 5 consecutive ticks, more than consecutiveErrorLimit 4 (onError: pause): canary: timeout: prometheus did not answer within 10s',
    );
    expect(fifth.actions).toEqual([{ type: 'pause', step: 0, weight: 1 }]);
    expect(fifth.state.phase).toBe('paused');
  });

  it('aborts with onError abort', () => {
    const result = runErrors(makeTemplate({ onError: 'abort' }), 5);
    expect(result.verdict).toMatchObject({ action: 'abort', rule: { id: 'source-errors', group: 'builtin' } });
    expect(result.actions).toEqual([{ type: 'rollback', step: 0, weight: 1 }]);
    expect(result.state.phase).toBe('aborted');
  });

  it('resets the count after a good tick', () => {
    const template = makeTemplate();
    const fourth = runErrors(template, 4);
    const good = tick(template, fourth.state, lowTraffic(), T0 + 5 * MINUTE);
    expect(good.state.consecutiveErrors.error_rate).toBe(0);
    const again = tick(template, good.state, failing(), T0 + 6 * MINUTE);
    expect(again.state.phase).toBe('running');
    expect(again.state.consecutiveErrors.error_rate).toBe(1);
  });

  it('resets the counts when the step advances', () => {
    const template = makeTemplate();
    const { state } = startAnalysis(template, T0);
    const withErrors: AnalysisState = { ...state, consecutiveErrors: { error_rate: 3 } };
    const result = tick(template, withErrors, healthyMetrics(), T0 + 5 * MINUTE);
    expect(result.state.stepIndex).toBe(1);
    expect(result.state.consecutiveErrors).toEqual({});
  });

  it('lets an abort rule win over source errors', () => {
    const template = makeTemplate();
    const { state } = startAnalysis(template, T0);
    const metrics = [...abortingMetrics(), errorResult('other')];
    const result = tick(template, { ...state, consecutiveErrors: { other: 4 } }, metrics, T0 + MINUTE);
    expect(result.verdict.rule).toEqual({ id: 'error-spike', group: 'abort' });
  });
});
