// The Prometheus source against a real Prometheus (Debian's 2.42) with backfilled history.

import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Measurement } from '../../src/analysis/types.js';
import { createPrometheusSource } from '../../src/sources/prometheus/source.js';
import type { MetricSource } from '../../src/sources/types.js';
import { openMetricsCounter, openMetricsDocument, openMetricsHistogram, startPrometheus, type RunningPrometheus } from '../helpers/prometheus.js';

const HOUR = 3600;
// A day ago, on an hour, for 3h: history spans more than one 2h block.
const START = Math.floor(Date.now() / 1000 / HOUR) * HOUR - 26 * HOUR;
const END = START + 3 * HOUR;
const STEP = 15;
const SERVICE = 'checkout';

const RATES: Record<string, Record<string, number>> = {
  baseline: { '200': 10, '500': 0.5 },
  canary: { '200': 4, '500': 1 },
};
const BOUNDS = [0.05, 0.1, 0.25, 0.5, 1];
const CANARY_LATENCY_CDF: Record<number, number> = { 0.05: 0.2, 0.1: 0.5, 0.25: 0.9, 0.5: 0.99, 1: 1 };

function history(): string {
  const families = Object.entries(RATES).flatMap(([track, byCode]) =>
    Object.entries(byCode).map(([code, rate]) =>
      openMetricsCounter({
        name: 'http_requests_total',
        labels: { service: SERVICE, track, code },
        startSeconds: START,
        endSeconds: END,
        stepSeconds: STEP,
        valueAt: (t) => rate * (t - START),
      }),
    ),
  );
  families.push(
    openMetricsHistogram({
      name: 'http_request_duration_seconds',
      labels: { service: SERVICE, track: 'canary' },
      bounds: BOUNDS,
      startSeconds: START,
      endSeconds: END,
      stepSeconds: STEP,
      ratePerSecondAt: () => 5,
      fractionAtMost: (le) => CANARY_LATENCY_CDF[le] ?? 1,
    }),
  );
  return openMetricsDocument(families);
}

const at = (secondsAfterStart: number): number => (START + secondsAfterStart) * 1000;

function expectError(measurement: Measurement, kind: string): string {
  expect(measurement.kind).toBe('error');
  if (measurement.kind !== 'error') throw new Error('unreachable');
  expect(measurement.error.kind).toBe(kind);
  return measurement.error.message;
}

describe('Prometheus source on a real Prometheus', () => {
  let prometheus: RunningPrometheus;
  let source: MetricSource;

  beforeAll(async () => {
    prometheus = await startPrometheus({ openMetrics: history() });
    source = createPrometheusSource({ name: 'default', url: prometheus.url, timeoutMs: 5_000 });
  });

  afterAll(async () => {
    await source?.close?.();
    await prometheus?.stop();
  });

  it('reads backfilled counter values at given evaluation times, as soon as Prometheus is ready', async () => {
    const query = `http_requests_total{service="checkout",track="baseline",code="200"}`;
    expect(await source.instantQuery(query, at(0))).toEqual({ kind: 'value', value: 0 });
    expect(await source.instantQuery(query, at(600))).toEqual({ kind: 'value', value: 6000 });
    // In the second 2h block, and between two samples (the latest one before t counts).
    expect(await source.instantQuery(query, at(2 * HOUR + 37))).toEqual({ kind: 'value', value: 10 * (2 * HOUR + 30) });
  });

  it('evaluates canary queries over windows: increase, ratio of rates, histogram quantile', async () => {
    const requests = await source.instantQuery(`sum(increase(http_requests_total{service="checkout",track="canary"}[10m]))`, at(HOUR));
    expect(requests.kind).toBe('value');
    if (requests.kind === 'value') expect(requests.value).toBeCloseTo(5 * 600, 6);

    const errorRate = await source.instantQuery(
      `sum(rate(http_requests_total{service="checkout",track="baseline",code=~"5.."}[5m]))
       / sum(rate(http_requests_total{service="checkout",track="baseline"}[5m]))`,
      at(HOUR),
    );
    expect(errorRate.kind).toBe('value');
    if (errorRate.kind === 'value') expect(errorRate.value).toBeCloseTo(0.5 / 10.5, 9);

    const median = await source.instantQuery(
      `histogram_quantile(0.5, sum by (le) (rate(http_request_duration_seconds_bucket{service="checkout",track="canary"}[5m])))`,
      at(2 * HOUR),
    );
    expect(median.kind).toBe('value');
    if (median.kind === 'value') expect(median.value).toBeCloseTo(0.1, 6);
  });

  it('returns every series when a vector is expected, and a scalar as a value', async () => {
    const byCode = await source.instantQuery(`sum by (code) (http_requests_total{service="checkout",track="canary"})`, at(105), { expect: 'vector' });
    expect(byCode.kind).toBe('vector');
    if (byCode.kind !== 'vector') return;
    const sorted = [...byCode.series].sort((a, b) => a.value - b.value);
    expect(sorted).toEqual([
      { labels: { code: '500' }, value: 105 },
      { labels: { code: '200' }, value: 420 },
    ]);
    expect(await source.instantQuery('scalar(vector(42))', at(0))).toEqual({ kind: 'value', value: 42 });
  });

  it('runs a range query into time-stamped samples', async () => {
    const samples = await source.rangeQuery(`http_requests_total{service="checkout",track="canary",code="500"}`, at(60), at(180), 60_000);
    expect(samples).toEqual({
      kind: 'samples',
      samples: [
        { at: at(60), value: 60 },
        { at: at(120), value: 120 },
        { at: at(180), value: 180 },
      ],
    });
  });

  it('accepts a long query (sent form-encoded in a POST body)', async () => {
    const alternatives = Array.from({ length: 3000 }, (_, i) => `x${i}`).join('|');
    const query = `sum(http_requests_total{service="checkout",track="baseline",code=~"200|${alternatives}"})`;
    expect(query.length).toBeGreaterThan(16_000);
    expect(await source.instantQuery(query, at(60))).toEqual({ kind: 'value', value: 600 });
  });

  it('reports no series as missing, for instant and range queries', async () => {
    const query = 'http_requests_total{service="no-such-service"}';
    expect(await source.instantQuery(query, at(60))).toEqual({ kind: 'missing', reason: 'no series' });
    expect(await source.rangeQuery(query, at(60), at(120), 60_000)).toEqual({ kind: 'missing', reason: 'no series' });
  });

  it('returns NaN values as numbers (0/0)', async () => {
    const measurement = await source.instantQuery('sum(rate(http_requests_total{service="checkout",code="200"}[5m])) * 0 / 0', at(HOUR));
    expect(measurement.kind).toBe('value');
    if (measurement.kind === 'value') expect(Number.isNaN(measurement.value)).toBe(true);
  });

  it('names the series when a query that should give one number gives several', async () => {
    const query = 'http_requests_total{service="checkout",track="canary"}';
    const message = expectError(await source.instantQuery(query, at(60)), 'several-series');
    expect(message).toContain(`source "default" (${prometheus.url})`);
    expect(message).toContain('2 series');
    expect(message).toContain('code="200"');
    expect(message).toContain('code="500"');
    const rangeMessage = expectError(await source.rangeQuery(query, at(60), at(120), 60_000), 'several-series');
    expect(rangeMessage).toContain('code="500"');
  });

  it("rejects a bad query with Prometheus' own error text", async () => {
    const message = expectError(await source.instantQuery('sum(rate(http_requests_total[5m]', at(60)), 'rejected-query');
    expect(message).toMatch(new RegExp(`^source "default" \\(${prometheus.url.replace(/\./g, '\\.')}\\): rejected query: .*parse error`));
    const execution = await source.instantQuery('http_requests_total[5m]', at(60));
    expect(expectError(execution, 'rejected-query')).toContain('range vector');
  });

  it('respects a path prefix in the URL (404 from Prometheus without one is a clear error)', async () => {
    const prefixed = createPrometheusSource({ name: 'prefixed', url: `${prometheus.url}/prometheus`, timeoutMs: 2_000 });
    const message = expectError(await prefixed.instantQuery('vector(1)', at(0)), 'server-error');
    expect(message).toContain(`source "prefixed" (${prometheus.url}/prometheus)`);
    expect(message).toContain('HTTP 404');
    await prefixed.close?.();
  });

  // Last: stops the server.
  it('reports a stopped server as unreachable, and stop() removes the data dir', async () => {
    await prometheus.stop();
    expect(existsSync(prometheus.dataDir)).toBe(false);
    const message = expectError(await source.instantQuery('vector(1)', at(0)), 'unreachable');
    expect(message).toContain(`source "default" (${prometheus.url}): unreachable: connection refused`);
  });
});
