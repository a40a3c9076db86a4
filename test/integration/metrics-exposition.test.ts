// The /metrics exposition passes Prometheus' own linter, and forgetting an analysis removes its series.
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';

import { promtoolCheckMetrics } from '../helpers/promtool.js';
import { createGateMetrics, renderMetrics } from '../../src/telemetry/metrics.js';
import { labelsOf, metricResult, populateSampleMetrics, SAMPLE_ANALYSES, tickVerdict } from '../unit/telemetry/verdict-fixtures.js';

function populated(): { registry: Registry; gate: ReturnType<typeof createGateMetrics> } {
  const registry = new Registry();
  const gate = createGateMetrics(registry);
  populateSampleMetrics(gate);
  // Label values that need escaping in the text format.
  const odd = labelsOf('an-"quoted"\\path', 'tpl', 'svc\nline', 'env');
  gate.recordAnalysis({ ...odd, version: 'v"1"', mode: 'observe' }, { phase: 'pending', step: 0, weight: 0 });
  gate.recordVerdict(
    odd,
    tickVerdict('continue', null, [metricResult('latency "p99"', { baseline: 0.2, canary: Number.POSITIVE_INFINITY }, { regressed: true, pValue: 0 })]),
  );
  return { registry, gate };
}

describe('metrics exposition', () => {
  it('passes promtool check metrics', async () => {
    const { registry } = populated();
    const { body } = await renderMetrics(registry);
    expect(body).toContain('canaryd_metric_value{');
    expect(body).toContain('canaryd_tick_lag_seconds_bucket{');
    const result = await promtoolCheckMetrics(body);
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  });

  it('is checked for real: promtool rejects a broken exposition', async () => {
    const result = await promtoolCheckMetrics('# HELP bad_ms x\n# TYPE bad_ms counter\nbad_ms 1\n');
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('_total');
  });

  it('forgetAnalysis removes every series of that analysis and the rest still passes promtool', async () => {
    const { registry, gate } = populated();
    const forgotten = SAMPLE_ANALYSES.running.analysis;
    const before = (await renderMetrics(registry)).body;
    const seriesOf = (text: string, id: string): string[] => text.split('\n').filter((line) => !line.startsWith('#') && line.includes(`analysis="${id}"`));
    expect(seriesOf(before, forgotten).length).toBeGreaterThanOrEqual(15);

    gate.forgetAnalysis(forgotten);
    const after = (await renderMetrics(registry)).body;
    expect(seriesOf(after, forgotten)).toEqual([]);
    expect(seriesOf(after, SAMPLE_ANALYSES.aborted.analysis)).toEqual(seriesOf(before, SAMPLE_ANALYSES.aborted.analysis));
    const result = await promtoolCheckMetrics(after);
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  });
});
