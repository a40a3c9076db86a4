// The OpenMetrics generators used to backfill test Prometheus servers.
import { describe, expect, it } from 'vitest';
import { openMetricsCounter, openMetricsDocument, openMetricsGauge, openMetricsHistogram, sampleTimes } from '../../helpers/openmetrics.js';

describe('OpenMetrics generators', () => {
  it('lists sample times with an inclusive end', () => {
    expect(sampleTimes({ startSeconds: 100, endSeconds: 145, stepSeconds: 15 })).toEqual([100, 115, 130, 145]);
    expect(sampleTimes({ startSeconds: 100, endSeconds: 140, stepSeconds: 15 })).toEqual([100, 115, 130]);
  });

  it('writes a counter from its values or from its rate, named foo_total in family foo', () => {
    const times = { startSeconds: 0, endSeconds: 30, stepSeconds: 15 };
    const fromRate = openMetricsCounter({ name: 'http_requests_total', labels: { code: '200' }, ...times, ratePerSecondAt: () => 2 });
    expect(fromRate).toEqual({
      name: 'http_requests',
      type: 'counter',
      lines: ['http_requests_total{code="200"} 0 0', 'http_requests_total{code="200"} 30 15', 'http_requests_total{code="200"} 60 30'],
    });
    const fromValue = openMetricsCounter({ name: 'jobs', ...times, valueAt: (t) => t * 10 });
    expect(fromValue.lines).toEqual(['jobs_total 0 0', 'jobs_total 150 15', 'jobs_total 300 30']);
    expect(() => openMetricsCounter({ name: 'x', ...times })).toThrow(/exactly one/);
  });

  it('writes cumulative histogram buckets, count and sum', () => {
    const histogram = openMetricsHistogram({
      name: 'latency_seconds',
      labels: { track: 'canary' },
      bounds: [0.1, 0.5],
      startSeconds: 0,
      endSeconds: 10,
      stepSeconds: 10,
      ratePerSecondAt: () => 1,
      fractionAtMost: (le) => (le === 0.1 ? 0.5 : 0.9),
      meanAt: () => 0.2,
    });
    expect(histogram.lines.slice(5)).toEqual([
      'latency_seconds_bucket{track="canary",le="0.1"} 5 10',
      'latency_seconds_bucket{track="canary",le="0.5"} 9 10',
      'latency_seconds_bucket{track="canary",le="+Inf"} 10 10',
      'latency_seconds_count{track="canary"} 10 10',
      'latency_seconds_sum{track="canary"} 2 10',
    ]);
  });

  it('merges families of one name under one TYPE line and ends with # EOF', () => {
    const times = { startSeconds: 0, endSeconds: 0, stepSeconds: 15 };
    const document = openMetricsDocument([
      openMetricsCounter({ name: 'req', labels: { t: 'a' }, ...times, valueAt: () => 1 }),
      openMetricsGauge({ name: 'temp', labels: { s: 'x"y' }, help: 'a gauge', ...times, valueAt: () => Number.NaN }),
      openMetricsCounter({ name: 'req', labels: { t: 'b' }, ...times, valueAt: () => 2 }),
    ]);
    expect(document).toBe(
      [
        '# TYPE req counter',
        'req_total{t="a"} 1 0',
        'req_total{t="b"} 2 0',
        '# HELP temp a gauge',
        '# TYPE temp gauge',
        'temp{s="x\\"y"} NaN 0',
        '# EOF',
        '',
      ].join('\n'),
    );
    expect(() =>
      openMetricsDocument([openMetricsGauge({ name: 'req', ...times, valueAt: () => 1 }), openMetricsCounter({ name: 'req', ...times, valueAt: () => 1 })]),
    ).toThrow(/both a gauge and a counter/);
  });
});
