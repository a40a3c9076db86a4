// Hand-built TickVerdicts and a populated GateMetrics, shared by the telemetry tests.
import type { MetricResult, RuleRef, TickVerdict, VerdictAction } from '../../../src/analysis/types.js';
import type { AnalysisLabels, GateMetrics } from '../../../src/telemetry/metrics.js';

export function metricResult(
  name: string,
  values: { baseline: number | null; canary: number | null },
  judged?: { regressed: boolean; pValue: number | null },
): MetricResult {
  const { baseline, canary } = values;
  const both = baseline !== null && canary !== null;
  return {
    name,
    baseline,
    canary,
    delta: both ? canary - baseline : null,
    change: both && baseline !== 0 ? (canary - baseline) / baseline : null,
    ratio: both && baseline !== 0 ? canary / baseline : null,
    missing: !both,
    error: false,
    ...(both ? {} : { message: 'no data for the canary' }),
    ...(judged === undefined
      ? {}
      : {
          regressed: judged.regressed,
          improved: false,
          p_value: judged.pValue,
          judge: { judge: 'mann-whitney', regressed: judged.regressed, improved: false, pValue: judged.pValue, details: {} },
        }),
    queries: { baseline: `sum(rate(errors{track="baseline"}[1m]))`, canary: `sum(rate(errors{track="canary"}[1m]))` },
  };
}

export function erroredResult(name: string): MetricResult {
  return {
    name,
    baseline: null,
    canary: null,
    delta: null,
    change: null,
    ratio: null,
    missing: false,
    error: true,
    message: 'source default unreachable',
    queries: { baseline: 'up', canary: 'up' },
  };
}

export function tickVerdict(action: VerdictAction, rule: RuleRef | null, metrics: MetricResult[]): TickVerdict {
  return {
    action,
    rule,
    reason: rule === null ? 'no rule fired' : `rule ${rule.id} fired`,
    conditions: [],
    metrics,
    window: '2024-05-01T10:00:00Z/2024-05-01T10:05:00Z',
    at: '2024-05-01T10:05:00Z',
    evidenceHash: 'sha256:0f1e2d',
  };
}

export function labelsOf(analysis: string, template = 'http-errors', service = 'checkout', environment = 'prod'): AnalysisLabels {
  return { analysis, template, service, environment };
}

/** Analyses in different phases with the verdicts, decisions, queries and ticks that led there. */
export const SAMPLE_ANALYSES = {
  running: labelsOf('an-running'),
  paused: labelsOf('an-paused', 'latency', 'search', 'staging'),
  aborted: labelsOf('an-aborted'),
  succeeded: labelsOf('an-succeeded', 'latency', 'search', 'prod'),
} as const;

export function populateSampleMetrics(gate: GateMetrics): void {
  const { running, paused, aborted, succeeded } = SAMPLE_ANALYSES;

  gate.recordAnalysis({ ...running, version: 'v2.4.0', mode: 'drive' }, { phase: 'running', step: 1, weight: 25 });
  gate.recordVerdict(
    running,
    tickVerdict('continue', null, [
      metricResult('error_rate', { baseline: 0.01, canary: 0.011 }, { regressed: false, pValue: 0.42 }),
      metricResult('requests', { baseline: 900, canary: 300 }),
    ]),
  );
  gate.recordVerdict(
    running,
    tickVerdict('promote', { id: 'healthy', group: 'promote' }, [
      metricResult('error_rate', { baseline: 0.01, canary: 0.0105 }, { regressed: false, pValue: 0.61 }),
      metricResult('requests', { baseline: 950, canary: 320 }),
    ]),
  );
  gate.recordDecision('http-errors', 'promote', 'healthy');

  gate.recordAnalysis({ ...paused, version: 'v7', mode: 'observe' }, { phase: 'paused', step: 0, weight: 5 });
  gate.recordVerdict(
    paused,
    tickVerdict('hold', { id: 'low-traffic', group: 'hold' }, [metricResult('p99_latency', { baseline: 0.25, canary: null }), erroredResult('requests')]),
  );
  gate.recordDecision('latency', 'pause', 'source-errors');

  gate.recordAnalysis({ ...aborted, version: 'v2.5.0-rc1', mode: 'drive' }, { phase: 'aborted', step: 2, weight: 50 });
  gate.recordVerdict(
    aborted,
    tickVerdict('abort', { id: 'error-rate-regressed', group: 'abort' }, [
      metricResult('error_rate', { baseline: 0.01, canary: 0.05 }, { regressed: true, pValue: 0.0004 }),
      metricResult('requests', { baseline: 1000, canary: 480 }),
    ]),
  );
  gate.recordDecision('http-errors', 'abort', 'error-rate-regressed');

  gate.recordAnalysis({ ...succeeded, version: 'v8', mode: 'drive' }, { phase: 'succeeded', step: 3, weight: 100 });
  gate.recordVerdict(
    succeeded,
    tickVerdict('promote', { id: 'latency-ok', group: 'promote' }, [
      metricResult('p99_latency', { baseline: 0.25, canary: 0.24 }, { regressed: false, pValue: 0.9 }),
    ]),
  );
  gate.recordDecision('latency', 'complete', 'latency-ok');

  gate.setPhaseCounts({ running: 1, paused: 1, aborted: 1, succeeded: 1 });

  gate.recordQuery('default', 'ok', 0.012);
  gate.recordQuery('default', 'ok', 0.3);
  gate.recordQuery('default', 'missing', 0.02);
  gate.recordQuery('default', 'unreachable', 10);
  gate.recordQuery('thanos', 'timeout', 12.5);

  gate.recordAdapterCall('deployer', 'set-weight', 'success');
  gate.recordAdapterCall('deployer', 'rollback', 'retry');
  gate.recordAdapterCall('deployer', 'rollback', 'failure');
  gate.recordAdapterCall('dry-run', 'complete', 'success');

  gate.recordTick('http-errors', 0.08, 0.004);
  gate.recordTick('http-errors', 0.2, 0.3);
  gate.recordTick('latency', 1.4, -0.01);
}
