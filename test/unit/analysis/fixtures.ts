// Small builders of compiled templates, rules and metric results for the analysis tests.

import { parseCondition } from '../../../src/analysis/conditions/parser.js';
import type { CompiledRule, CompiledTemplate, ConditionNode, MetricResult, RuleGroup, StepSpec } from '../../../src/analysis/types.js';

export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
/** An arbitrary fixed start: 2024-01-01T00:00:00Z. */
export const T0 = Date.UTC(2024, 0, 1);

export function parsed(text: string): ConditionNode {
  const result = parseCondition(text);
  if (!result.ok) throw new Error(`fixture condition does not parse: ${text}: ${result.error.message}`);
  return result.ast;
}

export function rule(id: string, group: RuleGroup, ...conditions: string[]): CompiledRule {
  return { id, group, conditions: conditions.map((text) => ({ text, ast: parsed(text) })) };
}

export function step(weight: number, minutes: { min?: number; max?: number | null } = {}): StepSpec {
  const max = minutes.max === undefined ? 60 : minutes.max;
  return {
    weight,
    minDurationMs: (minutes.min ?? 15) * MINUTE,
    maxDurationMs: max === null ? null : max * MINUTE,
  };
}

/** The template of architecture.md §3, compiled; override any field. */
export function makeTemplate(overrides: Partial<CompiledTemplate> = {}): CompiledTemplate {
  return {
    name: 'http-service',
    source: 'default',
    args: [{ name: 'service' }, { name: 'namespace', default: 'default' }],
    variants: { baseline: 'baseline', canary: 'canary' },
    baseline: { mode: 'concurrent', offsetMs: 0 },
    intervalMs: MINUTE,
    initialDelayMs: 0,
    lookbackMs: null,
    steps: [step(1, { min: 5 }), step(5), step(25), step(50), step(100)],
    onTimeout: 'abort',
    consecutiveErrorLimit: 4,
    onError: 'pause',
    metrics: [
      { name: 'requests', query: 'sum(requests)', direction: 'increase' },
      { name: 'error_rate', query: 'sum(errors) / sum(requests)', direction: 'increase' },
      { name: 'p95_latency', query: 'histogram_quantile(0.95, x)', direction: 'increase' },
    ],
    rules: [
      rule('error-spike', 'abort', 'error_rate.change > 50%'),
      rule('low-traffic', 'hold', 'requests.canary < 200'),
      rule('telemetry-missing', 'hold', 'error_rate.missing or p95_latency.missing'),
      rule('healthy', 'promote', 'error_rate.change < 10%', 'p95_latency.change < 20%'),
    ],
    ...overrides,
  };
}

/** A metric result with both values present; stats derived as buildMetricResult would. */
export function valueResult(name: string, baseline: number, canary: number): MetricResult {
  return {
    name,
    baseline,
    canary,
    delta: canary - baseline,
    change: baseline === 0 ? null : (canary - baseline) / Math.abs(baseline),
    ratio: baseline === 0 ? null : canary / baseline,
    missing: false,
    error: false,
    queries: { baseline: `${name}{track="baseline"}`, canary: `${name}{track="canary"}` },
  };
}

export function missingResult(name: string): MetricResult {
  return {
    name,
    baseline: null,
    canary: null,
    delta: null,
    change: null,
    ratio: null,
    missing: true,
    error: false,
    message: 'baseline: no data; canary: no data',
    queries: { baseline: `${name}{track="baseline"}`, canary: `${name}{track="canary"}` },
  };
}

export function errorResult(name: string, message = 'canary: timeout: prometheus did not answer within 10s'): MetricResult {
  return { ...missingResult(name), missing: false, error: true, message };
}

/** Healthy traffic: many requests, error rate and latency flat. */
export function healthyMetrics(): MetricResult[] {
  return [valueResult('requests', 5000, 5000), valueResult('error_rate', 0.01, 0.0101), valueResult('p95_latency', 0.2, 0.21)];
}
