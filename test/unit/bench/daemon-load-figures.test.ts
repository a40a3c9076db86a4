import { describe, expect, it } from 'vitest';
import { histogramDelta, histogramOf, histogramQuantile, parseExposition, sumOf } from '../../../bench/daemon-load/exposition.js';
import { distribution, quantile, tickLags } from '../../../bench/daemon-load/lags.js';
import { parseLoadOptions } from '../../../bench/daemon-load/options.js';
import { DaemonLog } from '../../../bench/daemon-load/daemon-log.js';

const START = 1_000_000;
const INTERVAL = 5_000;

describe('tickLags', () => {
  it('measures each tick against the latest slot at or before it, and counts missed slots', () => {
    // Slots at START + 5s·k; due from k = 1 (initial delay one interval). Window [START+10s, START+30s): k = 2..5.
    const summary = tickLags(
      [{ startedAtMs: START, intervalMs: INTERVAL, initialDelayMs: INTERVAL, tickAtMs: [START + 5_003, START + 10_002, START + 15_250, START + 25_040] }],
      START + 10_000,
      START + 30_000,
    );
    expect(summary.expected).toBe(4);
    expect(summary.run).toBe(3); // k = 2, 3, 5; k = 4 was missed; k = 1 is before the window
    expect(summary.missed).toBe(1);
    expect(summary.lagsMs).toEqual([2, 40, 250]);
  });

  it('does not expect slots inside the initial delay', () => {
    const summary = tickLags([{ startedAtMs: START, intervalMs: INTERVAL, initialDelayMs: 12_000, tickAtMs: [START + 15_001] }], START, START + 20_000);
    expect(summary.expected).toBe(1); // only k = 3 (15s); 5s and 10s are inside the 12s delay
    expect(summary.missed).toBe(0);
  });

  it('expects no slot after the analysis ended', () => {
    const summary = tickLags(
      [{ startedAtMs: START, intervalMs: INTERVAL, initialDelayMs: INTERVAL, tickAtMs: [START + 5_002, START + 10_001], endedAtMs: START + 10_001 }],
      START,
      START + 30_000,
    );
    expect(summary.expected).toBe(2); // 5s and the deciding tick at 10s; 15s, 20s, 25s are after the end
    expect(summary.missed).toBe(0);
  });

  it('counts two ticks on one slot as a duplicate, not as two served slots', () => {
    const summary = tickLags(
      [{ startedAtMs: START, intervalMs: INTERVAL, initialDelayMs: 0, tickAtMs: [START + 5_001, START + 9_000] }],
      START,
      START + 10_000,
    );
    expect(summary.duplicates).toBe(1);
    expect(summary.run).toBe(1);
    expect(summary.expected).toBe(1);
  });
});

describe('quantiles', () => {
  it('uses the nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, index) => index + 1);
    expect(quantile(values, 0.5)).toBe(50);
    expect(quantile(values, 0.99)).toBe(99);
    expect(quantile([], 0.5)).toBeNull();
    expect(distribution([3, 1, 2])).toMatchObject({ count: 3, min: 1, p50: 2, max: 3, mean: 2 });
  });
});

describe('exposition', () => {
  const scrape = (counts: [number, number, number]): string => `# HELP x_seconds x
# TYPE x_seconds histogram
x_seconds_bucket{le="0.1",template="a"} ${counts[0]}
x_seconds_bucket{le="1",template="a"} ${counts[1]}
x_seconds_bucket{le="+Inf",template="a"} ${counts[2]}
x_seconds_sum{template="a"} 5
x_seconds_count{template="a"} ${counts[2]}
requests_total{handler="/api/v1/query",code="200"} 7
requests_total{handler="/api/v1/query_range",code="200"} 3
requests_total{handler="/metrics",code="200"} 100
`;

  it('sums counters whose labels match', () => {
    const samples = parseExposition(scrape([0, 0, 0]));
    expect(sumOf(samples, 'requests_total', { handler: /^\/api\/v1\/query(_range)?$/ })).toBe(10);
  });

  it('estimates quantiles of the observations between two scrapes like histogram_quantile', () => {
    const delta = histogramDelta(
      histogramOf(parseExposition(scrape([10, 10, 10])), 'x_seconds'),
      histogramOf(parseExposition(scrape([10, 30, 30])), 'x_seconds'),
    );
    expect(delta.count).toBe(20);
    // All 20 new observations fell in (0.1, 1]: the median is halfway through that bucket.
    expect(histogramQuantile(delta, 0.5)).toBeCloseTo(0.55, 10);
    expect(histogramQuantile(histogramOf([], 'x_seconds'), 0.5)).toBeNull();
  });
});

describe('parseLoadOptions', () => {
  it('defaults to 200 analyses for 60s; --quick to 50 for 20s unless given', () => {
    expect(parseLoadOptions([])).toMatchObject({ analyses: 200, durationSeconds: 60, json: 'bench-results/daemon-load.json' });
    expect(parseLoadOptions(['--quick'])).toMatchObject({ analyses: 50, durationSeconds: 20 });
    expect(parseLoadOptions(['--quick', '--analyses', '80'])).toMatchObject({ analyses: 80, durationSeconds: 20 });
    expect(() => parseLoadOptions(['--analyses', '0'])).toThrow(/positive integer/);
    expect(() => parseLoadOptions(['--bogus'])).toThrow(/unknown argument/);
  });
});

describe('DaemonLog', () => {
  it('counts warn and worse lines by message, with level labels or numbers, across chunk boundaries', () => {
    const log = new DaemonLog();
    log.write(Buffer.from('{"level":"info","msg":"listening"}\n{"level":"warn","msg":"ticks sk'));
    log.write(Buffer.from('ipped"}\n{"level":50,"msg":"tick failed"}\nnot json\n{"level":"warn","msg":"ticks skipped"}\n'));
    expect(Object.fromEntries(log.problems)).toEqual({ 'ticks skipped': 2, 'tick failed': 1 });
    expect(log.lines).toBe(5);
  });
});
