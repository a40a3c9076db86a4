// The pre-rendered per-analysis families write what prom-client would write for the same series,
// and the streamed exposition is the same text as the whole one.

import { Gauge, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ExpositionFamily } from '../../../src/telemetry/exposition-family.js';
import { createGateMetrics, renderMetrics, streamMetrics } from '../../../src/telemetry/metrics.js';
import { populateSampleMetrics } from './verdict-fixtures.js';

async function textOf(family: ExpositionFamily): Promise<string> {
  let text = '';
  for await (const piece of family.pieces()) text += piece;
  return text;
}

describe('ExpositionFamily', () => {
  it('writes the lines prom-client writes, escaping label values the same way', async () => {
    const registry = new Registry();
    const reference = new Gauge({ name: 'x_value', help: 'A value.', labelNames: ['analysis', 'metric'], registers: [registry] });
    const family = new ExpositionFamily('x_value', 'A value.', 'gauge', ['analysis', 'metric']);
    const series = [
      [{ analysis: 'a', metric: 'plain' }, 1.5],
      [{ analysis: 'b', metric: 'quote " backslash \\ newline \n end' }, -0.25],
      [{ analysis: 'c', metric: 'inf' }, Number.POSITIVE_INFINITY],
      [{ analysis: 'd', metric: 'big' }, 12345678901234],
    ] as const;
    for (const [labels, value] of series) {
      reference.set(labels, value);
      family.set(labels, value);
    }
    expect(await textOf(family)).toBe(`${await registry.metrics()}`);
  });

  it('counts, replaces and removes series', async () => {
    const family = new ExpositionFamily('x_total', 'Counts.', 'counter', ['analysis']);
    family.inc({ analysis: 'a' });
    family.inc({ analysis: 'a' }, 2);
    family.set({ analysis: 'b' }, 7);
    family.remove({ analysis: 'b' });
    expect(family.value({ analysis: 'a' })).toBe(3);
    expect(family.size).toBe(1);
    expect(await textOf(family)).toBe('# HELP x_total Counts.\n# TYPE x_total counter\nx_total{analysis="a"} 3\n');
  });

  it('the streamed exposition is exactly the rendered one', async () => {
    const registry = new Registry();
    populateSampleMetrics(createGateMetrics(registry));
    let streamed = '';
    for await (const piece of streamMetrics(registry).body) streamed += String(piece);
    const { body } = await renderMetrics(registry);
    expect(streamed).toBe(body);
    expect(body).toContain('canaryd_metric_value{');
  });
});
