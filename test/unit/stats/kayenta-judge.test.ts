import { describe, expect, it } from 'vitest';
import type { Direction, Measurement, MetricSpec } from '../../../src/analysis/types.js';
import type { JudgeContext, VariantMeasurements } from '../../../src/stats/judge.js';
import { mannWhitneyJudge } from '../../../src/stats/kayenta-judge.js';

const oneToTwenty = Array.from({ length: 20 }, (_, i) => i + 1);
const samples = (values: number[]): Measurement => ({ kind: 'samples', samples: values.map((value, i) => ({ at: 1_700_000_000_000 + i * 30_000, value })) });
const context: JudgeContext = { measurements: new Map(), stepIndex: 0, stepElapsedMs: 600_000, intervalMs: 60_000, memory: undefined };

function spec(judge: Record<string, unknown>, direction: Direction = 'increase'): MetricSpec {
  return { name: 'p95', query: 'histogram_quantile(0.95, …)', direction, judge: { type: 'mann-whitney', ...judge } };
}

function judge(judgeBlock: Record<string, unknown>, own: VariantMeasurements, direction: Direction = 'increase') {
  return mannWhitneyJudge.judge(spec(judgeBlock, direction), own, context);
}

describe('mann-whitney judge — contract', () => {
  it('is named mann-whitney, uses the template window and asks for a range at sampleStep', () => {
    expect(mannWhitneyJudge.type).toBe('mann-whitney');
    expect(mannWhitneyJudge.windowMode).toBe('template');
    expect(mannWhitneyJudge.queryShape({ type: 'mann-whitney', sampleStep: '1m' })).toEqual({ kind: 'range', stepMs: 60_000 });
    expect(mannWhitneyJudge.queryShape({ type: 'mann-whitney' })).toEqual({ kind: 'range', stepMs: 30_000 });
  });
});

describe('mann-whitney judge — validate', () => {
  it('accepts the documented block', () => {
    const block = {
      type: 'mann-whitney',
      sampleStep: '30s',
      confidence: 0.98,
      direction: 'increase',
      effectSize: { measure: 'meanRatio', allowedIncrease: 1.1, allowedDecrease: 0.9 },
      nanStrategy: 'remove',
      outliers: { iqrFactor: 3 },
    };
    expect(mannWhitneyJudge.validate(block, ['p95'], 'p95')).toEqual([]);
    expect(mannWhitneyJudge.validate({ type: 'mann-whitney', effectSize: { measure: 'cles', allowedIncrease: 0.6 } }, ['p95'], 'p95')).toEqual([]);
  });

  it('reports every bad field with its path', () => {
    const problems = mannWhitneyJudge.validate(
      {
        type: 'mann-whitney',
        sampleStep: '30 seconds',
        confidence: 1.2,
        direction: 'up',
        nanStrategy: 'zero',
        alpha: 0.01,
        effectSize: { measure: 'median', allowedIncrease: '10%', extra: true },
        outliers: { iqrFactor: -1, mode: 'x' },
      },
      [],
      'p95',
    );
    const byPath = new Map(problems.map((problem) => [problem.path.join('.'), problem.message]));
    expect([...byPath.keys()].sort()).toEqual(
      [
        'alpha',
        'confidence',
        'direction',
        'effectSize.allowedIncrease',
        'effectSize.extra',
        'effectSize.measure',
        'nanStrategy',
        'outliers.iqrFactor',
        'outliers.mode',
        'sampleStep',
      ].sort(),
    );
    expect(byPath.get('sampleStep')).toMatch(/positive duration such as 30s/);
    expect(byPath.get('confidence')).toMatch(/strictly between 0 and 1.*got 1\.2/);
    expect(byPath.get('direction')).toBe('must be one of increase | decrease | either, got "up"');
    expect(byPath.get('alpha')).toMatch(/unknown key "alpha"/);
    expect(byPath.get('effectSize.allowedIncrease')).toMatch(/must be a number .*1\.1 for \+10%.*got "10%"/);
  });

  it('checks the effect-size limits against the measure', () => {
    const messages = (effectSize: Record<string, unknown>) =>
      mannWhitneyJudge.validate({ type: 'mann-whitney', effectSize }, ['p95'], 'p95').map((problem) => `${problem.path.join('.')}: ${problem.message}`);
    expect(messages({ measure: 'meanRatio', allowedIncrease: 0.9 })).toEqual([
      'effectSize.allowedIncrease: for meanRatio must be ≥ 1 (1 means no change), got 0.9',
    ]);
    expect(messages({ measure: 'meanRatio', allowedDecrease: 1.1 })).toEqual([
      'effectSize.allowedDecrease: for meanRatio must be in [0, 1] (1 means no change), got 1.1',
    ]);
    expect(messages({ measure: 'cles', allowedIncrease: 1.1 })).toEqual([
      'effectSize.allowedIncrease: for cles must be in [0.5, 1] (0.5 means no change), got 1.1',
    ]);
    expect(messages({ measure: 'cles', allowedDecrease: 0.7 })).toEqual([
      'effectSize.allowedDecrease: for cles must be in [0, 0.5] (0.5 means no change), got 0.7',
    ]);
  });

  it('rejects confidence 0 and 1, a zero sampleStep and non-object blocks', () => {
    const paths = (block: Record<string, unknown>) =>
      mannWhitneyJudge.validate({ type: 'mann-whitney', ...block }, ['p95'], 'p95').map((problem) => problem.path.join('.'));
    expect(paths({ confidence: 0 })).toEqual(['confidence']);
    expect(paths({ confidence: 1 })).toEqual(['confidence']);
    expect(paths({ sampleStep: '0s' })).toEqual(['sampleStep']);
    expect(paths({ sampleStep: 30 })).toEqual(['sampleStep']);
    expect(paths({ effectSize: 'meanRatio', outliers: true })).toEqual(['effectSize', 'outliers']);
  });
});

describe('mann-whitney judge — judging samples', () => {
  it('a regression: stats from the sample means, evidence with the test', () => {
    const outcome = judge({ confidence: 0.98 }, { baseline: samples(oneToTwenty), canary: samples(oneToTwenty.map((v) => v + 10)) });
    expect(outcome.stats).toEqual({ baseline: 10.5, canary: 20.5, delta: 10, change: 10 / 10.5, ratio: 20.5 / 10.5, missing: false, error: false });
    expect(outcome.evidence).toMatchObject({ judge: 'mann-whitney', regressed: true, improved: false });
    expect(outcome.evidence.pValue).toBeLessThan(1e-3);
    const details = outcome.evidence.details;
    expect(details).toMatchObject({
      classification: 'High',
      direction: 'increase',
      u: 350,
      canaryCount: 20,
      baselineCount: 20,
      confidence: 0.98,
      effectSizeMeasure: 'meanRatio',
    });
    expect(details.estimate).toBeCloseTo(10, 3);
    expect(details.ciLow as number).toBeGreaterThan(2.5);
    expect(details.ciHigh as number).toBeGreaterThan(details.estimate as number);
    expect(details.effectSize).toBeCloseTo(20.5 / 10.5, 12);
    expect(outcome.memory).toBeUndefined();
  });

  it('an improvement under direction increase: improved, not regressed, classification Pass', () => {
    const outcome = judge({}, { baseline: samples(oneToTwenty), canary: samples(oneToTwenty.map((v) => v - 10)) });
    expect(outcome.evidence).toMatchObject({ regressed: false, improved: true, details: { classification: 'Pass' } });
  });

  it("follows the metric's direction when the judge has none (decrease; both → either)", () => {
    const lower = { baseline: samples(oneToTwenty), canary: samples(oneToTwenty.map((v) => v - 10)) };
    expect(judge({}, lower, 'decrease').evidence).toMatchObject({
      regressed: true,
      improved: false,
      details: { classification: 'Low', direction: 'decrease' },
    });
    expect(judge({}, lower, 'both').evidence).toMatchObject({ regressed: true, improved: false, details: { direction: 'either' } });
    const higher = { baseline: samples(oneToTwenty), canary: samples(oneToTwenty.map((v) => v + 10)) };
    expect(judge({}, higher, 'both').evidence).toMatchObject({ regressed: true, improved: false, details: { classification: 'High' } });
    expect(judge({ direction: 'decrease' }, higher, 'increase').evidence).toMatchObject({ regressed: false, improved: true });
  });

  it('no difference: neither regressed nor improved', () => {
    const outcome = judge({}, { baseline: samples(oneToTwenty), canary: samples([...oneToTwenty].reverse()) });
    expect(outcome.evidence).toMatchObject({ regressed: false, improved: false, pValue: 1, details: { classification: 'Pass' } });
  });

  it('applies nanStrategy and outliers from the block', () => {
    const own = { baseline: samples([...oneToTwenty, NaN]), canary: samples([...oneToTwenty, NaN, 10_000]) };
    const removed = judge({ outliers: { iqrFactor: 3 } }, own);
    expect(removed.evidence.details).toMatchObject({ canaryCount: 20, baselineCount: 20, removedCanary: 2, removedBaseline: 1 });
    const replaced = judge({ nanStrategy: 'replace' }, own);
    expect(replaced.evidence.details).toMatchObject({ canaryCount: 22, baselineCount: 21 });
  });

  it('all samples unusable → missing with the reason; regressed and improved unknown', () => {
    const outcome = judge({}, { baseline: samples([1, 2, 3]), canary: samples([NaN, NaN]) });
    expect(outcome.stats).toMatchObject({ missing: true, error: false, baseline: 2, canary: null, delta: null });
    expect(outcome.stats.message).toMatch(/no usable canary samples/);
    expect(outcome.evidence).toMatchObject({ regressed: null, improved: null, pValue: null, details: { classification: 'Nodata' } });
  });

  it('a zero baseline mean leaves change and ratio undefined (null) and effectSize null in the evidence', () => {
    const outcome = judge(
      { effectSize: { allowedIncrease: 1.5 } },
      { baseline: samples(Array.from({ length: 12 }, () => 0)), canary: samples([3, 4, 5, 6, 7, 8, 9, 10, 0, 5, 6, 7]) },
    );
    expect(outcome.stats).toMatchObject({ baseline: 0, change: null, ratio: null });
    expect(outcome.evidence).toMatchObject({ regressed: true, details: { classification: 'High', effectSize: null } });
  });
});

describe('mann-whitney judge — measurements that do not fit', () => {
  it('one value per variant is an error with a clear message', () => {
    const outcome = judge({}, { baseline: { kind: 'value', value: 1 }, canary: { kind: 'value', value: 2 } });
    expect(outcome.stats.error).toBe(true);
    expect(outcome.stats.message).toBe(
      'baseline: mann-whitney needs a range of samples per variant; got one value; canary: mann-whitney needs a range of samples per variant; got one value',
    );
    expect(outcome.evidence).toMatchObject({ regressed: null, improved: null, pValue: null });
  });

  it('a vector is an error naming its size', () => {
    const outcome = judge(
      {},
      {
        baseline: samples([1, 2]),
        canary: {
          kind: 'vector',
          series: [
            { labels: { le: '0.1' }, value: 1 },
            { labels: { le: '+Inf' }, value: 2 },
          ],
        },
      },
    );
    expect(outcome.stats).toMatchObject({ error: true, message: 'canary: mann-whitney needs a range of samples per variant; got a vector of 2 series' });
  });

  it("the source's errors pass through", () => {
    const outcome = judge(
      {},
      { baseline: { kind: 'error', error: { kind: 'timeout', message: 'prometheus default: no answer within 10s' } }, canary: samples([1]) },
    );
    expect(outcome.stats).toMatchObject({ error: true, message: 'baseline: prometheus default: no answer within 10s' });
  });

  it('missing measurements are missing, not errors', () => {
    const outcome = judge({}, { baseline: samples([1]), canary: { kind: 'missing', reason: 'empty result' } });
    expect(outcome.stats).toEqual({ missing: true, message: 'canary: empty result' });
    expect(outcome.evidence.regressed).toBeNull();
  });

  it('an invalid judge block at run time is an error, never a verdict', () => {
    const outcome = judge({ confidence: 2 }, { baseline: samples(oneToTwenty), canary: samples(oneToTwenty) });
    expect(outcome.stats.error).toBe(true);
    expect(outcome.stats.message).toMatch(/^invalid mann-whitney judge: judge\.confidence: /);
    expect(outcome.evidence.regressed).toBeNull();
  });
});
