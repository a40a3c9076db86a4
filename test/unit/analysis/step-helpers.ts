// Helpers of the step machine tests: a fake clock, one tick as the runner does it, metric sets.

import { expect } from 'vitest';
import { formatDuration } from '../../../src/analysis/duration.js';
import { DomainError } from '../../../src/analysis/errors.js';
import { statLookupFor } from '../../../src/analysis/metric-result.js';
import { evaluateRules } from '../../../src/analysis/rules.js';
import { applyTick, windowMs, type StepTransition } from '../../../src/analysis/step-machine.js';
import type { AnalysisState, CompiledTemplate, MetricResult } from '../../../src/analysis/types.js';
import { missingResult, valueResult } from './fixtures.js';

export class FakeClock {
  constructor(public now: number) {}
  advance(ms: number): number {
    this.now += ms;
    return this.now;
  }
}

/** One tick as the runner would do it: rules over the metrics, then the step machine. */
export function tick(
  template: CompiledTemplate,
  state: AnalysisState,
  metrics: MetricResult[],
  now: number,
  extra: { ignoreMinDuration?: boolean } = {},
): StepTransition {
  const outcome = evaluateRules(template.rules, statLookupFor(metrics));
  const window = formatDuration(windowMs(template, state, now));
  return applyTick(template, state, { outcome, metrics, window, now, ...extra });
}

export function expectDomainError(run: () => unknown, code: string, message?: string): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(DomainError);
  expect((caught as DomainError).code).toBe(code);
  if (message !== undefined) expect((caught as DomainError).message).toBe(message);
}

export const abortingMetrics = (): MetricResult[] => [
  valueResult('requests', 5000, 5000),
  valueResult('error_rate', 0.01, 0.02),
  valueResult('p95_latency', 0.2, 0.2),
];
export const lowTraffic = (): MetricResult[] => [
  valueResult('requests', 100, 100),
  valueResult('error_rate', 0.01, 0.01),
  valueResult('p95_latency', 0.2, 0.2),
];
export const allMissing = (): MetricResult[] => [missingResult('requests'), missingResult('error_rate'), missingResult('p95_latency')];
