import { describe, expect, it } from 'vitest';
import type { Measurement, MetricSpec } from '../../../src/analysis/types.js';
import type { JudgeContext, JudgeOutcome } from '../../../src/stats/judge.js';
import { sequentialHistogramJudge } from '../../../src/stats/sequential-histogram.js';
import { countAtOrBelow, interpolatedQuantile, readHistogram, type Histogram } from '../../../src/stats/sequential-readings.js';

const BOUNDS = ['0.05', '0.1', '0.25', '0.5', '1', '+Inf'];

/** A histogram vector from per-bucket (non-cumulative) counts, one per BOUNDS entry. */
function histogram(bucketCounts: readonly number[]): Measurement {
  let running = 0;
  const series = bucketCounts.map((count, k) => {
    running += count;
    return { labels: { le: BOUNDS[k] as string }, value: running };
  });
  return { kind: 'vector', series };
}

function spec(judge: Record<string, unknown> = {}): MetricSpec {
  return { name: 'latency', query: 'q', direction: 'increase', judge: { type: 'sequential-histogram', quantiles: [0.5, 0.9], alpha: 0.01, ...judge } };
}

const context = (memory: unknown): JudgeContext => ({ measurements: new Map(), stepIndex: 0, stepElapsedMs: 60_000, intervalMs: 60_000, memory });

/** Per-interval bucket counts repeated `ticks` times, accumulated as the runner's step window would. */
function run(canaryPerInterval: number[], baselinePerInterval: number[], ticks: number, metric = spec()): JudgeOutcome[] {
  let memory: unknown;
  const outcomes: JudgeOutcome[] = [];
  for (let tick = 1; tick <= ticks; tick++) {
    const outcome = sequentialHistogramJudge.judge(
      metric,
      { canary: histogram(canaryPerInterval.map((count) => count * tick)), baseline: histogram(baselinePerInterval.map((count) => count * tick)) },
      context(memory),
    );
    memory = outcome.memory;
    outcomes.push(outcome);
  }
  return outcomes;
}

// 1 000 canary and 9 000 baseline requests a minute; the slow canary moves mass up one bucket.
const BASELINE = [900, 3600, 3600, 720, 90, 90];
const SAME = [100, 400, 400, 80, 10, 10];
const SLOWER = [40, 300, 460, 150, 30, 20];

describe('sequentialHistogramJudge contract', () => {
  it('asks for all series (one per le) over the time since the step began', () => {
    expect(sequentialHistogramJudge.queryShape({ type: 'sequential-histogram' })).toEqual({ kind: 'vector' });
    expect(sequentialHistogramJudge.windowMode).toBe('step');
  });
});

describe('sequentialHistogramJudge decisions', () => {
  it('detects a slower canary and reports per-quantile evidence', () => {
    const outcomes = run(SLOWER, BASELINE, 10);
    const first = outcomes.findIndex((outcome) => outcome.evidence.regressed === true);
    expect(first).toBeGreaterThanOrEqual(0);
    expect(first).toBeLessThan(8);
    const last = outcomes[9] as JudgeOutcome;
    expect(last.evidence.pValue).toBeLessThanOrEqual(0.01);
    expect(last.evidence.details['p50.bound']).toBe(0.1);
    expect(last.evidence.details['p90.bound']).toBe(0.25);
    expect(last.evidence.details['p90.eValue'] as number).toBeGreaterThan(1);
    // Headline stats: the last quantile (p90), interpolated as histogram_quantile does.
    expect(last.stats.baseline).toBeCloseTo(0.1 + (0.15 * (8100 - 4500)) / 3600, 10);
    expect(last.stats.canary as number).toBeGreaterThan(last.stats.baseline as number);
  });

  it("does not regress a canary with the baseline's distribution", () => {
    const outcomes = run(SAME, BASELINE, 20);
    expect(outcomes.every((outcome) => outcome.evidence.regressed === false)).toBe(true);
    expect((outcomes[19] as JudgeOutcome).stats.ratio).toBeCloseTo(1, 10);
  });

  it('a shift within allowedIncrease is not a regression', () => {
    // 300% allowed: the tolerated threshold is a quarter of each bound, far below any shift here.
    expect(run(SLOWER, BASELINE, 10, spec({ allowedIncrease: '300%' })).some((outcome) => outcome.evidence.regressed === true)).toBe(false);
  });

  it('calls a faster canary improved', () => {
    const last = run([200, 500, 270, 20, 5, 5], BASELINE, 10).pop() as JudgeOutcome;
    expect(last.evidence.improved).toBe(true);
    expect(last.evidence.regressed).toBe(false);
  });

  it('waits for enough baseline data before locking a bucket bound', () => {
    const first = sequentialHistogramJudge.judge(
      spec({ quantiles: [0.99] }),
      { canary: histogram([1, 1, 1, 0, 0, 0]), baseline: histogram([5, 5, 5, 0, 0, 0]) },
      context(undefined),
    );
    expect(first.evidence.details['p99.bound']).toBeNull();
    expect(first.evidence.regressed).toBe(false);
  });
});

describe('sequentialHistogramJudge on data that does not fit', () => {
  const judge = (canary: Measurement, baseline: Measurement = histogram(BASELINE)): JudgeOutcome =>
    sequentialHistogramJudge.judge(spec(), { canary, baseline }, context({ kept: 1 }));

  it('a single number is an error that says what to query', () => {
    const outcome = judge({ kind: 'value', value: 0.25 });
    expect(outcome.stats.error).toBe(true);
    expect(outcome.stats.message).toMatch(/one series per bucket.*single number/);
    expect(outcome.evidence.regressed).toBeNull();
  });

  it('missing +Inf, missing or bad le labels and duplicate bounds are errors', () => {
    const noInf: Measurement = { kind: 'vector', series: [{ labels: { le: '0.1' }, value: 3 }] };
    expect(judge(noInf).stats.message).toMatch(/\+Inf/);
    const noLe: Measurement = { kind: 'vector', series: [{ labels: {}, value: 3 }] };
    expect(judge(noLe).stats.message).toMatch(/no "le" label/);
    const badLe: Measurement = {
      kind: 'vector',
      series: [
        { labels: { le: 'fast' }, value: 3 },
        { labels: { le: '+Inf' }, value: 3 },
      ],
    };
    expect(judge(badLe).stats.message).toMatch(/not a bucket bound/);
    const duplicate: Measurement = {
      kind: 'vector',
      series: [
        { labels: { le: '0.1' }, value: 3 },
        { labels: { le: '0.10' }, value: 3 },
        { labels: { le: '+Inf' }, value: 3 },
      ],
    };
    expect(judge(duplicate).stats.message).toMatch(/two series/);
    expect([noInf, noLe, badLe, duplicate].every((measurement) => judge(measurement).stats.error === true)).toBe(true);
  });

  it('no series or no requests yet is missing, and memory is carried', () => {
    const previous = (run(SAME, BASELINE, 2)[1] as JudgeOutcome).memory;
    const empty = sequentialHistogramJudge.judge(spec(), { canary: { kind: 'vector', series: [] }, baseline: histogram(BASELINE) }, context(previous));
    expect(empty.stats.missing).toBe(true);
    expect(empty.memory).toEqual(previous);
    expect(judge(histogram([0, 0, 0, 0, 0, 0])).stats.missing).toBe(true);
  });
});

describe('histogram readings', () => {
  const read = (measurement: Measurement): Histogram => {
    const result = readHistogram(measurement, 'h');
    if (!result.ok) throw new Error(result.problem.message);
    return result.value;
  };

  it('sorts bounds, repairs small dips in cumulative counts and reads the total from +Inf', () => {
    const h = read({
      kind: 'vector',
      series: [
        { labels: { le: '+Inf' }, value: 10 },
        { labels: { le: '0.5' }, value: 7.9 },
        { labels: { le: '0.25' }, value: 8 },
        { labels: { le: '0.1' }, value: 4 },
      ],
    });
    expect(h).toEqual({ bounds: [0.1, 0.25, 0.5], cumulative: [4, 8, 8], total: 10 });
  });

  it('interpolates counts and quantiles linearly inside buckets (first bucket from 0)', () => {
    const h: Histogram = { bounds: [0.1, 0.2, 0.4], cumulative: [10, 30, 40], total: 50 };
    expect(countAtOrBelow(h, 0.05)).toBeCloseTo(5, 12);
    expect(countAtOrBelow(h, 0.15)).toBeCloseTo(20, 12);
    expect(countAtOrBelow(h, 0.2)).toBeCloseTo(30, 12);
    expect(countAtOrBelow(h, 1)).toBe(40);
    expect(interpolatedQuantile(h, 0.5)).toBeCloseTo(0.2 * 0 + 0.1 + (0.1 * (25 - 10)) / 20, 12);
    expect(interpolatedQuantile(h, 0.9)).toBeNull();
  });
});
