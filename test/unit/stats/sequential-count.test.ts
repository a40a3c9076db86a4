import { describe, expect, it } from 'vitest';
import type { Measurement, MetricSpec } from '../../../src/analysis/types.js';
import type { JudgeContext, JudgeOutcome, VariantMeasurements } from '../../../src/stats/judge.js';
import { sequentialCountJudge } from '../../../src/stats/sequential-count.js';

const value = (count: number): Measurement => ({ kind: 'value', value: count });

function spec(judge: Record<string, unknown> = {}, direction: MetricSpec['direction'] = 'increase'): MetricSpec {
  return { name: 'errors', query: 'q', direction, judge: { type: 'sequential-count', exposure: 'requests', alpha: 0.01, ...judge } };
}

function context(requests: VariantMeasurements | null, memory: unknown): JudgeContext {
  const measurements = new Map<string, VariantMeasurements>();
  if (requests !== null) measurements.set('requests', requests);
  return { measurements, stepIndex: 0, stepElapsedMs: 60_000, intervalMs: 60_000, memory };
}

interface Tick {
  canaryEvents: number;
  baselineEvents: number;
  canaryRequests: number;
  baselineRequests: number;
}

/** Runs ticks of cumulative counts (since the step began) through the judge, carrying memory. */
function runTicks(ticks: Tick[], metric: MetricSpec = spec()): JudgeOutcome[] {
  let memory: unknown;
  return ticks.map((tick) => {
    const outcome = sequentialCountJudge.judge(
      metric,
      { canary: value(tick.canaryEvents), baseline: value(tick.baselineEvents) },
      context({ canary: value(tick.canaryRequests), baseline: value(tick.baselineRequests) }, memory),
    );
    memory = outcome.memory;
    return outcome;
  });
}

/** Cumulative ticks with fixed per-interval counts: canary 10% of 10 000 requests a minute. */
function steadyTicks(canaryRate: number, baselineRate: number, count: number): Tick[] {
  return Array.from({ length: count }, (_, i) => ({
    canaryEvents: (i + 1) * 1000 * canaryRate,
    baselineEvents: (i + 1) * 9000 * baselineRate,
    canaryRequests: (i + 1) * 1000,
    baselineRequests: (i + 1) * 9000,
  }));
}

describe('sequentialCountJudge contract', () => {
  it('asks for one number per variant over the time since the step began', () => {
    expect(sequentialCountJudge.type).toBe('sequential-count');
    expect(sequentialCountJudge.queryShape({ type: 'sequential-count' })).toEqual({ kind: 'single' });
    expect(sequentialCountJudge.windowMode).toBe('step');
  });
});

describe('sequentialCountJudge decisions', () => {
  it('detects a tripled error rate within a few ticks and reports its evidence', () => {
    const outcomes = runTicks(steadyTicks(0.03, 0.01, 10));
    const firstRegressed = outcomes.findIndex((outcome) => outcome.evidence.regressed === true);
    expect(firstRegressed).toBeGreaterThanOrEqual(1);
    expect(firstRegressed).toBeLessThan(6);
    const last = outcomes[outcomes.length - 1] as JudgeOutcome;
    expect(last.evidence.judge).toBe('sequential-count');
    expect(last.evidence.pValue).toBeLessThanOrEqual(0.01);
    expect(last.evidence.improved).toBe(false);
    expect(last.stats.canary).toBeCloseTo(0.03, 10);
    expect(last.stats.baseline).toBeCloseTo(0.01, 10);
    expect(last.stats.ratio).toBeCloseTo(3, 10);
    expect(last.evidence.details).toMatchObject({
      threshold: 100,
      canaryEvents: 300,
      baselineEvents: 900,
      canaryExposure: 10000,
      baselineExposure: 90000,
      trafficShare: 0.1,
      theta0: 0.1,
      rateRatio: 3,
      intervals: 10,
    });
    expect(last.evidence.details['eValue'] as number).toBeGreaterThanOrEqual(100);
  });

  it('does not regress a canary whose rate equals the baseline, and its p-value never increases', () => {
    const outcomes = runTicks(steadyTicks(0.01, 0.01, 20));
    expect(outcomes.every((outcome) => outcome.evidence.regressed === false)).toBe(true);
    const pValues = outcomes.map((outcome) => outcome.evidence.pValue as number);
    for (let i = 1; i < pValues.length; i++) expect(pValues[i]).toBeLessThanOrEqual(pValues[i - 1] as number);
    expect(pValues[pValues.length - 1]).toBeGreaterThan(0.5);
  });

  it('tolerates allowedIncrease: 1.2× is no regression with 50% allowed, but is one with none allowed', () => {
    const ticks = steadyTicks(0.012, 0.01, 40).map((tick) => ({
      ...tick,
      canaryEvents: tick.canaryEvents * 10,
      baselineEvents: tick.baselineEvents * 10,
      canaryRequests: tick.canaryRequests * 10,
      baselineRequests: tick.baselineRequests * 10,
    }));
    expect(runTicks(ticks, spec({ allowedIncrease: '50%' })).some((outcome) => outcome.evidence.regressed === true)).toBe(false);
    expect(runTicks(ticks, spec({ allowedIncrease: 0 })).some((outcome) => outcome.evidence.regressed === true)).toBe(true);
  });

  it('calls a clearly lower canary rate improved, not regressed', () => {
    const last = runTicks(steadyTicks(0.002, 0.01, 15)).pop() as JudgeOutcome;
    expect(last.evidence.improved).toBe(true);
    expect(last.evidence.regressed).toBe(false);
  });

  it('with direction decrease, a lower canary rate is the regression', () => {
    const last = runTicks(steadyTicks(0.002, 0.01, 15), spec({}, 'decrease')).pop() as JudgeOutcome;
    expect(last.evidence.regressed).toBe(true);
    expect(last.evidence.improved).toBe(false);
  });

  it('takes real-valued counts and counts that dip between ticks (increase() extrapolation)', () => {
    const outcomes = runTicks([
      { canaryEvents: 10.4, baselineEvents: 95.7, canaryRequests: 1000.2, baselineRequests: 9001.9 },
      { canaryEvents: 10.1, baselineEvents: 190.3, canaryRequests: 1999.5, baselineRequests: 17998.4 },
      { canaryEvents: 30.6, baselineEvents: 285.2, canaryRequests: 3001.1, baselineRequests: 27003.3 },
    ]);
    const last = outcomes[2] as JudgeOutcome;
    expect(last.stats.error).toBeUndefined();
    expect(last.evidence.details['canaryEvents']).toBeCloseTo(30.6, 6);
    expect(Number.isFinite(last.evidence.details['eValue'] as number)).toBe(true);
  });
});

describe('sequentialCountJudge on data that does not fit', () => {
  const requests = { canary: value(1000), baseline: value(9000) };
  const memory = { carried: true };
  const judge = (own: VariantMeasurements, exposure: VariantMeasurements | null = requests, metric = spec()): JudgeOutcome =>
    sequentialCountJudge.judge(metric, own, context(exposure, memory));

  it('an empty answer is missing, with a hint, and the memory survives', () => {
    const outcome = judge({ canary: { kind: 'vector', series: [] }, baseline: value(3) });
    expect(outcome.stats.missing).toBe(true);
    expect(outcome.stats.message).toMatch(/or vector\(0\)/);
    expect(outcome.evidence.regressed).toBeNull();
    expect(outcome.memory).not.toBeUndefined();
  });

  it('a failed query, several series, samples or a negative count is an error', () => {
    const failed: Measurement = { kind: 'error', error: { kind: 'timeout', message: 'source timed out after 10s' } };
    expect(judge({ canary: failed, baseline: value(1) }).stats).toMatchObject({ error: true, message: expect.stringMatching(/timed out/) });
    const two: Measurement = {
      kind: 'vector',
      series: [
        { labels: { a: '1' }, value: 1 },
        { labels: { a: '2' }, value: 2 },
      ],
    };
    expect(judge({ canary: two, baseline: value(1) }).stats).toMatchObject({ error: true, message: expect.stringMatching(/2 series/) });
    const samples: Measurement = { kind: 'samples', samples: [{ at: 0, value: 1 }] };
    expect(judge({ canary: samples, baseline: value(1) }).stats.error).toBe(true);
    expect(judge({ canary: value(-2), baseline: value(1) }).stats).toMatchObject({ error: true, message: expect.stringMatching(/negative/) });
  });

  it('a one-series vector is read as its value; NaN is missing', () => {
    const one: Measurement = { kind: 'vector', series: [{ labels: {}, value: 5 }] };
    expect(judge({ canary: one, baseline: value(45) }).stats.canary).toBeCloseTo(0.005, 10);
    expect(judge({ canary: value(Number.NaN), baseline: value(1) }).stats.missing).toBe(true);
  });

  it('an exposure that was not measured is an error; no traffic yet is missing', () => {
    expect(judge({ canary: value(1), baseline: value(1) }, null).stats).toMatchObject({
      error: true,
      message: expect.stringMatching(/exposure metric "requests"/),
    });
    expect(judge({ canary: value(0), baseline: value(1) }, { canary: value(0), baseline: value(100) }).stats).toMatchObject({
      missing: true,
      message: expect.stringMatching(/no canary traffic/),
    });
  });

  it('a judge block that does not validate is an error at run time, never a verdict', () => {
    const outcome = judge({ canary: value(1), baseline: value(1) }, requests, spec({ alpha: 2 }));
    expect(outcome.stats.error).toBe(true);
    expect(outcome.stats.message).toMatch(/alpha/);
    expect(outcome.evidence.regressed).toBeNull();
  });

  it('an exposure naming the judged metric itself is an error at run time', () => {
    const outcome = judge({ canary: value(1), baseline: value(1) }, requests, spec({ exposure: 'errors' }));
    expect(outcome.stats).toMatchObject({ error: true, message: expect.stringMatching(/itself/) });
  });

  it('memory from another configuration is not reused', () => {
    const first = runTicks(steadyTicks(0.03, 0.01, 3));
    const next = sequentialCountJudge.judge(
      spec({ allowedIncrease: '10%' }),
      { canary: value(120), baseline: value(360) },
      context({ canary: value(4000), baseline: value(36000) }, (first[2] as JudgeOutcome).memory),
    );
    expect(next.evidence.details['intervals']).toBe(1);
  });
});
