import { register as globalRegistry, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';

import { createGateMetrics, METRICS_RETENTION_MS, renderMetrics, type GateMetrics } from '../../../src/telemetry/metrics.js';
import { labelsOf, metricResult, populateSampleMetrics, SAMPLE_ANALYSES, tickVerdict } from './verdict-fixtures.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseSamples(body: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of body.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null) throw new Error(`unparsable line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1] ?? ''] = pair[2] ?? '';
    }
    samples.push({ name: match[1] ?? '', labels, value: Number(match[3]) });
  }
  return samples;
}

async function samplesOf(registry: Registry, name: string, filter: Record<string, string> = {}): Promise<Sample[]> {
  const { body } = await renderMetrics(registry);
  return parseSamples(body).filter((sample) => sample.name === name && Object.entries(filter).every(([key, value]) => sample.labels[key] === value));
}

function setup(): { registry: Registry; gate: GateMetrics } {
  const registry = new Registry();
  return { registry, gate: createGateMetrics(registry) };
}

describe('createGateMetrics', () => {
  it('uses only the registry it is given', async () => {
    const { registry, gate } = setup();
    populateSampleMetrics(gate);
    expect((await globalRegistry.metrics()).includes('canaryd_')).toBe(false);
    expect((await samplesOf(registry, 'canaryd_analysis_info')).length).toBe(4);
  });

  it('exports every phase of canaryd_analyses from the start', async () => {
    const { registry, gate } = setup();
    const initial = await samplesOf(registry, 'canaryd_analyses');
    expect(initial.map((sample) => sample.labels.phase).sort()).toEqual([
      'aborted',
      'awaiting-approval',
      'failed',
      'paused',
      'pending',
      'running',
      'succeeded',
    ]);
    expect(initial.every((sample) => sample.value === 0)).toBe(true);
    gate.setPhaseCounts({ running: 3, paused: 1 });
    expect((await samplesOf(registry, 'canaryd_analyses', { phase: 'running' }))[0]?.value).toBe(3);
    expect((await samplesOf(registry, 'canaryd_analyses', { phase: 'failed' }))[0]?.value).toBe(0);
  });

  it('records info, all seven phases, step and weight of an analysis', async () => {
    const { registry, gate } = setup();
    const labels = labelsOf('an-1');
    gate.recordAnalysis({ ...labels, version: 'v1', mode: 'drive' }, { phase: 'running', step: 2, weight: 40 });
    const phases = await samplesOf(registry, 'canaryd_analysis_phase', { analysis: 'an-1' });
    expect(phases).toHaveLength(7);
    expect(phases.filter((sample) => sample.value === 1).map((sample) => sample.labels.phase)).toEqual(['running']);
    expect(await samplesOf(registry, 'canaryd_analysis_info')).toEqual([
      { name: 'canaryd_analysis_info', labels: { ...labels, version: 'v1', mode: 'drive' }, value: 1 },
    ]);
    expect((await samplesOf(registry, 'canaryd_analysis_step'))[0]?.value).toBe(2);
    expect((await samplesOf(registry, 'canaryd_analysis_weight'))[0]?.value).toBe(40);

    gate.recordAnalysis({ ...labels, version: 'v2', mode: 'drive' }, { phase: 'paused', step: 2, weight: 40 });
    const info = await samplesOf(registry, 'canaryd_analysis_info');
    expect(info.map((sample) => sample.labels.version)).toEqual(['v2']);
    const current = await samplesOf(registry, 'canaryd_analysis_phase', { analysis: 'an-1', phase: 'paused' });
    expect(current[0]?.value).toBe(1);
    expect((await samplesOf(registry, 'canaryd_analysis_phase', { phase: 'running' }))[0]?.value).toBe(0);
  });

  it('counts verdicts by rule, "none" when no rule fired', async () => {
    const { registry, gate } = setup();
    const labels = labelsOf('an-1');
    gate.recordVerdict(labels, tickVerdict('continue', null, []));
    gate.recordVerdict(labels, tickVerdict('hold', { id: 'low-traffic', group: 'hold' }, []));
    gate.recordVerdict(labels, tickVerdict('hold', { id: 'low-traffic', group: 'hold' }, []));
    expect((await samplesOf(registry, 'canaryd_verdicts_total', { verdict: 'continue', rule: 'none' }))[0]?.value).toBe(1);
    expect((await samplesOf(registry, 'canaryd_verdicts_total', { verdict: 'hold', rule: 'low-traffic' }))[0]?.value).toBe(2);
  });

  it('exports baseline and canary values, regressed and p-value only where measured and judged', async () => {
    const { registry, gate } = setup();
    populateSampleMetrics(gate);
    const aborted = { analysis: SAMPLE_ANALYSES.aborted.analysis };
    const values = await samplesOf(registry, 'canaryd_metric_value', { ...aborted, metric: 'error_rate' });
    expect(Object.fromEntries(values.map((sample) => [sample.labels.variant, sample.value]))).toEqual({ baseline: 0.01, canary: 0.05 });
    expect((await samplesOf(registry, 'canaryd_metric_regressed', { ...aborted, metric: 'error_rate' }))[0]?.value).toBe(1);
    expect((await samplesOf(registry, 'canaryd_metric_p_value', { ...aborted, metric: 'error_rate' }))[0]?.value).toBe(0.0004);
    // requests has no judge: values but neither regressed nor p-value
    expect(await samplesOf(registry, 'canaryd_metric_value', { ...aborted, metric: 'requests' })).toHaveLength(2);
    expect(await samplesOf(registry, 'canaryd_metric_regressed', { ...aborted, metric: 'requests' })).toHaveLength(0);
    expect(await samplesOf(registry, 'canaryd_metric_p_value', { ...aborted, metric: 'requests' })).toHaveLength(0);
    // the paused analysis: one metric missing, one errored
    const paused = await samplesOf(registry, 'canaryd_metric_value', { analysis: SAMPLE_ANALYSES.paused.analysis });
    expect(paused).toHaveLength(0);
  });

  it('removes the value series of a metric that went missing, keeps it on a verdict without metrics', async () => {
    const { registry, gate } = setup();
    const labels = labelsOf('an-1');
    gate.recordVerdict(
      labels,
      tickVerdict('continue', null, [metricResult('error_rate', { baseline: 0.01, canary: 0.02 }, { regressed: false, pValue: 0.3 })]),
    );
    gate.recordVerdict(labels, tickVerdict('hold', { id: 'manual', group: 'builtin' }, []));
    expect(await samplesOf(registry, 'canaryd_metric_value', { metric: 'error_rate' })).toHaveLength(2);
    gate.recordVerdict(labels, tickVerdict('continue', null, [metricResult('error_rate', { baseline: 0.01, canary: null })]));
    const left = await samplesOf(registry, 'canaryd_metric_value', { metric: 'error_rate' });
    expect(left).toHaveLength(0);
    expect(await samplesOf(registry, 'canaryd_metric_regressed')).toHaveLength(0);
    expect(await samplesOf(registry, 'canaryd_metric_p_value')).toHaveLength(0);
  });

  it('writes an unchanged analysis state once, and again after the analysis was forgotten', async () => {
    const { registry, gate } = setup();
    const info = { ...labelsOf('an-1'), version: 'v1', mode: 'drive' as const };
    gate.recordAnalysis(info, { phase: 'running', step: 1, weight: 20 });
    const before = (await renderMetrics(registry)).body;
    gate.recordAnalysis(info, { phase: 'running', step: 1, weight: 20 });
    expect((await renderMetrics(registry)).body).toBe(before);
    gate.recordAnalysis(info, { phase: 'running', step: 2, weight: 50 });
    expect((await samplesOf(registry, 'canaryd_analysis_weight', { analysis: 'an-1' }))[0]?.value).toBe(50);
    gate.forgetAnalysis('an-1');
    expect(await samplesOf(registry, 'canaryd_analysis_weight', { analysis: 'an-1' })).toEqual([]);
    gate.recordAnalysis(info, { phase: 'running', step: 2, weight: 50 });
    expect((await samplesOf(registry, 'canaryd_analysis_weight', { analysis: 'an-1' }))[0]?.value).toBe(50);
    expect(await samplesOf(registry, 'canaryd_analysis_phase', { analysis: 'an-1' })).toHaveLength(7);
  });

  it('forgets every series of one analysis and only of that one', async () => {
    const { registry, gate } = setup();
    populateSampleMetrics(gate);
    const id = SAMPLE_ANALYSES.aborted.analysis;
    expect((await renderMetrics(registry)).body).toContain(`analysis="${id}"`);
    const removed = gate.forgetAnalysis(id);
    expect(removed).toBeGreaterThan(10);
    const { body } = await renderMetrics(registry);
    expect(body).not.toContain(`analysis="${id}"`);
    expect(body).toContain(`analysis="${SAMPLE_ANALYSES.running.analysis}"`);
    expect(gate.trackedAnalyses()).not.toContain(id);
    expect(gate.forgetAnalysis(id)).toBe(0);
    // template-level series stay: the overview dashboard counts decisions over time
    expect((await samplesOf(registry, 'canaryd_decisions_total', { verdict: 'abort' }))[0]?.value).toBe(1);
  });

  it('records queries, adapter calls and ticks; an early tick has lag 0', async () => {
    const { registry, gate } = setup();
    populateSampleMetrics(gate);
    expect((await samplesOf(registry, 'canaryd_source_queries_total', { source: 'default', outcome: 'ok' }))[0]?.value).toBe(2);
    expect((await samplesOf(registry, 'canaryd_source_query_duration_seconds_count', { source: 'default' }))[0]?.value).toBe(4);
    expect((await samplesOf(registry, 'canaryd_adapter_calls_total', { outcome: 'failure' }))[0]?.labels.action).toBe('rollback');
    expect((await samplesOf(registry, 'canaryd_tick_lag_seconds_sum', { template: 'latency' }))[0]?.value).toBe(0);
    expect((await samplesOf(registry, 'canaryd_tick_duration_seconds_count', { template: 'http-errors' }))[0]?.value).toBe(2);
  });

  it('renders with the Prometheus text content type and suggests a retention', async () => {
    const { registry } = setup();
    const rendered = await renderMetrics(registry);
    expect(rendered.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(rendered.body).toContain('# TYPE canaryd_verdicts_total counter');
    expect(METRICS_RETENTION_MS).toBe(15 * 60 * 1000);
  });
});
