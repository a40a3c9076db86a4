// Issue 7, item 3: a tick in which a non-optional metric's query failed can neither promote nor
// continue: it holds by the built-in rule source-errors. An abort rule still aborts, the
// consecutiveErrorLimit still turns holding into onError, and maxDuration still times the step out.

import { describe, expect, it } from 'vitest';
import { statLookupFor } from '../../../src/analysis/metric-result.js';
import { evaluateRules } from '../../../src/analysis/rules.js';
import { startAnalysis, type StepTransition } from '../../../src/analysis/step-machine.js';
import type { AnalysisState, CompiledTemplate, MetricResult } from '../../../src/analysis/types.js';
import { MINUTE, T0, errorResult, healthyMetrics, makeTemplate, valueResult } from './fixtures.js';
import { tick } from './step-helpers.js';

const SOURCE_ERRORS = { id: 'source-errors', group: 'builtin' } as const;
const REJECTED = 'canary: rejected-query: found duplicate series for the match group';
const TIMEOUT = 'baseline: timeout: prometheus did not answer within 10s';

/** Healthy error rate and latency (the promote rule "healthy" fires), but the requests query failed. */
function promotableWithFailedRequests(message = REJECTED): MetricResult[] {
  return [errorResult('requests', message), valueResult('error_rate', 0.01, 0.0101), valueResult('p95_latency', 0.2, 0.21)];
}

/** The template of fixtures.ts with the named metrics marked optional. */
function withOptional(...names: string[]): CompiledTemplate {
  const base = makeTemplate();
  return makeTemplate({ metrics: base.metrics.map((metric) => (names.includes(metric.name) ? { ...metric, optional: true } : metric)) });
}

function started(template: CompiledTemplate): AnalysisState {
  return startAnalysis(template, T0).state;
}

describe('a tick with a failed query cannot promote', () => {
  const template = makeTemplate();

  it('the rules alone would promote this tick (the promote rule does not read the failed metric)', () => {
    const metrics = promotableWithFailedRequests();
    expect(evaluateRules(template.rules, statLookupFor(metrics))).toMatchObject({ action: 'promote', rule: { id: 'healthy', group: 'promote' } });
    // And with every query answered, the same tick advances.
    expect(tick(template, started(template), healthyMetrics(), T0 + 5 * MINUTE).verdict.action).toBe('promote');
  });

  it('holds by source-errors, naming the metric and its failure; the step stays, nothing is sent to the adapter', () => {
    const state = started(template);
    const result = tick(template, state, promotableWithFailedRequests(), T0 + 5 * MINUTE);
    expect(result.verdict).toMatchObject({ action: 'hold', rule: SOURCE_ERRORS });
    expect(result.verdict.reason).toBe(`a tick whose queries failed cannot promote: requests (${REJECTED})`);
    expect(result.actions).toEqual([]);
    expect(result.state).toMatchObject({ phase: 'running', stepIndex: 0, stepStartedAt: T0, decidedAt: null, decidedBy: null });
    expect(result.state.consecutiveErrors).toEqual({ requests: 1, error_rate: 0, p95_latency: 0 });
  });

  it('holds also when minDuration is ignored (analyze, backtest)', () => {
    const result = tick(template, started(template), promotableWithFailedRequests(), T0 + MINUTE, { ignoreMinDuration: true });
    expect(result.verdict).toMatchObject({ action: 'hold', rule: SOURCE_ERRORS });
    expect(result.actions).toEqual([]);
    expect(result.state.stepIndex).toBe(0);
  });

  it('names every failed metric with its message', () => {
    const metrics = [errorResult('requests', REJECTED), errorResult('error_rate', TIMEOUT), valueResult('p95_latency', 0.2, 0.21)];
    const result = tick(template, started(template), metrics, T0 + 5 * MINUTE);
    expect(result.verdict).toMatchObject({ action: 'hold', rule: SOURCE_ERRORS });
    expect(result.verdict.reason).toMatch(/^a tick whose queries failed cannot promote: /);
    expect(result.verdict.reason).toContain(`requests (${REJECTED})`);
    expect(result.verdict.reason).toContain(`error_rate (${TIMEOUT})`);
    expect(result.verdict.reason).not.toContain('p95_latency');
  });

  it('does not continue quietly either: a tick where no rule fired holds', () => {
    const metrics = [valueResult('requests', 5000, 5000), valueResult('error_rate', 0.01, 0.012), errorResult('p95_latency', TIMEOUT)];
    expect(evaluateRules(template.rules, statLookupFor(metrics)).action).toBe('continue');
    const result = tick(template, started(template), metrics, T0 + 5 * MINUTE);
    expect(result.verdict).toMatchObject({ action: 'hold', rule: SOURCE_ERRORS });
    expect(result.verdict.reason).toBe(`a tick whose queries failed cannot promote: p95_latency (${TIMEOUT})`);
    expect(result.state.phase).toBe('running');
  });

  it("a template's own hold rule gives way to source-errors", () => {
    const metrics = [valueResult('requests', 100, 100), errorResult('error_rate', TIMEOUT), valueResult('p95_latency', 0.2, 0.2)];
    expect(evaluateRules(template.rules, statLookupFor(metrics)).rule).toEqual({ id: 'low-traffic', group: 'hold' });
    const result = tick(template, started(template), metrics, T0 + 5 * MINUTE);
    expect(result.verdict).toMatchObject({ action: 'hold', rule: SOURCE_ERRORS });
    expect(result.actions).toEqual([]);
  });
});

describe('optional metrics', () => {
  it('a failed optional query does not hold: the tick promotes', () => {
    const template = withOptional('requests');
    const result = tick(template, started(template), promotableWithFailedRequests(), T0 + 5 * MINUTE);
    expect(result.verdict).toMatchObject({ action: 'promote', rule: { id: 'healthy', group: 'promote' } });
    expect(result.actions).toEqual([{ type: 'set-weight', step: 1, weight: 5 }]);
    expect(result.state).toMatchObject({ phase: 'running', stepIndex: 1 });
  });

  it('a failed required query still holds next to a failed optional one, and only the required one is named', () => {
    const template = withOptional('requests');
    const metrics = [errorResult('requests', REJECTED), valueResult('error_rate', 0.01, 0.0101), errorResult('p95_latency', TIMEOUT)];
    const result = tick(template, started(template), metrics, T0 + 5 * MINUTE);
    expect(result.verdict).toMatchObject({ action: 'hold', rule: SOURCE_ERRORS });
    expect(result.verdict.reason).toBe(`a tick whose queries failed cannot promote: p95_latency (${TIMEOUT})`);
    expect(result.state.stepIndex).toBe(0);
  });
});

describe('what still wins over the source-errors hold', () => {
  it('an abort rule aborts a tick whose other query failed', () => {
    const template = makeTemplate();
    const metrics = [errorResult('requests', REJECTED), valueResult('error_rate', 0.01, 0.02), valueResult('p95_latency', 0.2, 0.2)];
    const result = tick(template, started(template), metrics, T0 + 2 * MINUTE);
    expect(result.verdict).toMatchObject({ action: 'abort', rule: { id: 'error-spike', group: 'abort' } });
    expect(result.actions).toEqual([{ type: 'rollback', step: 0, weight: 1 }]);
    expect(result.state).toMatchObject({ phase: 'aborted', decidedBy: { id: 'error-spike', group: 'abort' } });
  });

  function failingTicks(template: CompiledTemplate, count: number): StepTransition[] {
    let state = started(template);
    const results: StepTransition[] = [];
    for (let index = 1; index <= count; index += 1) {
      const result = tick(template, state, promotableWithFailedRequests(), T0 + (4 + index) * MINUTE, { ignoreMinDuration: true });
      results.push(result);
      state = result.state;
    }
    return results;
  }

  it('holds up to consecutiveErrorLimit, then onError pause pauses', () => {
    const template = makeTemplate({ consecutiveErrorLimit: 2, onError: 'pause' });
    const [first, second, third] = failingTicks(template, 3);
    for (const [index, held] of [first, second].entries()) {
      expect(held?.verdict).toMatchObject({ action: 'hold', rule: SOURCE_ERRORS });
      expect(held?.verdict.reason).toBe(`a tick whose queries failed cannot promote: requests (${REJECTED})`);
      expect(held?.actions).toEqual([]);
      expect(held?.state.phase).toBe('running');
      expect(held?.state.consecutiveErrors.requests).toBe(index + 1);
    }
    expect(third?.verdict).toMatchObject({ action: 'hold', rule: SOURCE_ERRORS });
    expect(third?.verdict.reason).toBe(`metric requests failed 3 consecutive ticks, more than consecutiveErrorLimit 2 (onError: pause): ${REJECTED}`);
    expect(third?.actions).toEqual([{ type: 'pause', step: 0, weight: 1 }]);
    expect(third?.state.phase).toBe('paused');
  });

  it('onError abort rolls back once the limit is exceeded', () => {
    const template = makeTemplate({ consecutiveErrorLimit: 1, onError: 'abort' });
    const [first, second] = failingTicks(template, 2);
    expect(first?.verdict).toMatchObject({ action: 'hold', rule: SOURCE_ERRORS });
    expect(first?.state.phase).toBe('running');
    expect(second?.verdict).toMatchObject({ action: 'abort', rule: SOURCE_ERRORS });
    expect(second?.actions).toEqual([{ type: 'rollback', step: 0, weight: 1 }]);
    expect(second?.state).toMatchObject({ phase: 'aborted', decidedBy: SOURCE_ERRORS });
  });

  it('a step that reached maxDuration times out (step-timeout), not holds', () => {
    const template = makeTemplate();
    const state = started(template);
    const before = tick(template, state, promotableWithFailedRequests(), T0 + 60 * MINUTE - 1);
    expect(before.verdict).toMatchObject({ action: 'hold', rule: SOURCE_ERRORS });
    const result = tick(template, before.state, promotableWithFailedRequests(), T0 + 60 * MINUTE);
    expect(result.verdict).toMatchObject({ action: 'abort', rule: { id: 'step-timeout', group: 'builtin' } });
    expect(result.verdict.reason).toMatch(/^step 1 of 5 has run 1h, reaching its maxDuration 1h without promotion \(onTimeout: abort\); /);
    expect(result.actions).toEqual([{ type: 'rollback', step: 0, weight: 1 }]);
    expect(result.state).toMatchObject({ phase: 'aborted', decidedBy: { id: 'step-timeout', group: 'builtin' } });
  });

  it('with onTimeout pause, the timed-out step pauses instead of promoting', () => {
    const template = makeTemplate({ onTimeout: 'pause' });
    const result = tick(template, started(template), promotableWithFailedRequests(), T0 + 61 * MINUTE);
    expect(result.verdict).toMatchObject({ action: 'hold', rule: { id: 'step-timeout', group: 'builtin' } });
    expect(result.actions).toEqual([{ type: 'pause', step: 0, weight: 1 }]);
    expect(result.state.phase).toBe('paused');
  });
});
