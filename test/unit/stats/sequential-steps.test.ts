import { describe, expect, it } from 'vitest';
import type { Measurement, MetricSpec } from '../../../src/analysis/types.js';
import type { JudgeContext, JudgeOutcome, VariantMeasurements } from '../../../src/stats/judge.js';
import { createRandom, type Random } from '../../../src/stats/random.js';
import { sequentialCountJudge } from '../../../src/stats/sequential-count.js';

// The count judge across traffic steps, as the engine calls it: counts since the current step
// began (they restart at each step), the step index in the context, memory kept for the analysis,
// and the baseline's history on the first judgement.

const value = (count: number): Measurement => ({ kind: 'value', value: count });
const samples = (values: readonly number[]): Measurement => ({ kind: 'samples', samples: values.map((v, t) => ({ at: t * 60_000, value: v })) });

function spec(alpha = 0.01): MetricSpec {
  return { name: 'errors', query: 'q', direction: 'increase', judge: { type: 'sequential-count', exposure: 'requests', alpha } };
}

interface Interval {
  step: number;
  canaryEvents: number;
  baselineEvents: number;
  canaryRequests: number;
  baselineRequests: number;
}

interface History {
  events: number[];
  requests: number[];
}

/** Feeds intervals through the judge like the engine: cumulative per step, memory for the analysis. */
function runAnalysis(intervals: readonly Interval[], history: History | null, metric: MetricSpec = spec()): JudgeOutcome[] {
  let memory: unknown;
  let step = -1;
  const sums = { canaryEvents: 0, baselineEvents: 0, canaryRequests: 0, baselineRequests: 0 };
  return intervals.map((interval) => {
    if (interval.step !== step) {
      step = interval.step;
      sums.canaryEvents = sums.baselineEvents = sums.canaryRequests = sums.baselineRequests = 0;
    }
    sums.canaryEvents += interval.canaryEvents;
    sums.baselineEvents += interval.baselineEvents;
    sums.canaryRequests += interval.canaryRequests;
    sums.baselineRequests += interval.baselineRequests;
    const measurements = new Map<string, VariantMeasurements>([['requests', { canary: value(sums.canaryRequests), baseline: value(sums.baselineRequests) }]]);
    const context: JudgeContext = { measurements, stepIndex: step, stepElapsedMs: 60_000, intervalMs: 60_000, memory };
    if (memory === undefined && history !== null)
      context.history = new Map([
        ['errors', samples(history.events)],
        ['requests', samples(history.requests)],
      ]);
    const outcome = sequentialCountJudge.judge(metric, { canary: value(sums.canaryEvents), baseline: value(sums.baselineEvents) }, context);
    memory = outcome.memory;
    return outcome;
  });
}

const firstRegressed = (outcomes: readonly JudgeOutcome[]): number => outcomes.findIndex((outcome) => outcome.evidence.regressed === true);

describe('sequential-count across steps', () => {
  it('keeps its evidence when the step changes: a regression spread over short steps is caught, counted over the analysis', () => {
    // Three steps of two intervals, canary at three times the baseline rate.
    const intervals: Interval[] = [0, 0, 1, 1, 2, 2].map((step) => ({
      step,
      canaryEvents: 30,
      baselineEvents: 90,
      canaryRequests: 1000,
      baselineRequests: 9000,
    }));
    const outcomes = runAnalysis(intervals, null);
    const last = outcomes[outcomes.length - 1] as JudgeOutcome;
    expect(last.evidence.details['intervals']).toBe(6);
    expect(last.evidence.details['canaryEvents']).toBe(180);
    expect(last.evidence.details['canaryExposure']).toBe(6000);
    expect(last.evidence.regressed).toBe(true);
    // Restarting at each step (the old behaviour) never gets past two intervals of evidence.
    const perStep = [0, 2, 4].map((start) =>
      runAnalysis(
        intervals.slice(start, start + 2).map((i) => ({ ...i, step: 0 })),
        null,
      ),
    );
    expect(perStep.every((outcomes) => firstRegressed(outcomes) < 0)).toBe(true);
  });

  it("a new step's counts start from zero; they are not taken for a dip in the old step's counters", () => {
    const intervals: Interval[] = [0, 0, 0, 1].map((step) => ({ step, canaryEvents: 5, baselineEvents: 5, canaryRequests: 500, baselineRequests: 500 }));
    const outcomes = runAnalysis(intervals, null);
    expect((outcomes[3] as JudgeOutcome).evidence.details['intervals']).toBe(4);
    expect((outcomes[3] as JudgeOutcome).evidence.details['canaryEvents']).toBe(20);
  });

  it('aborts an obvious regression (no baseline errors, 10% canary errors, 300 requests a minute each) within two ticks', () => {
    const random = createRandom(9);
    const quietHistory: History = { events: Array.from({ length: 360 }, () => 0), requests: Array.from({ length: 360 }, () => random.poisson(600)) };
    for (let run = 0; run < 20; run++) {
      const intervals: Interval[] = Array.from({ length: 6 }, (_, i) => {
        const canaryRequests = random.poisson(300);
        return {
          step: Math.floor(i / 3),
          canaryEvents: random.poisson(canaryRequests * 0.1),
          baselineEvents: 0,
          canaryRequests,
          baselineRequests: random.poisson(300),
        };
      });
      const outcomes = runAnalysis(intervals, quietHistory);
      expect(firstRegressed(outcomes)).toBeGreaterThanOrEqual(0);
      expect(firstRegressed(outcomes)).toBeLessThanOrEqual(1);
      expect((outcomes[0] as JudgeOutcome).evidence.details['burstinessBasis']).toBe('silent-history');
    }
  });
});

/** A healthy canary on 1, 2, 5 then 10 of 20 pods, each pod's error rate with its own gamma multiplier (CV 1) per interval. */
function podGammaHealthyRun(random: Random, requestsPerInterval: number): { intervals: Interval[]; history: History } {
  const podRate = (pods: number): number => {
    let sum = 0;
    for (let pod = 0; pod < pods; pod++) sum += random.gammaMeanOne(1);
    return sum / pods;
  };
  const history: History = { events: [], requests: [] };
  for (let t = 0; t < 240; t++) {
    const requests = random.poisson(requestsPerInterval);
    history.requests.push(requests);
    history.events.push(random.poisson(requests * 0.01 * podRate(20)));
  }
  const plan = [
    { share: 0.05, pods: 1 },
    { share: 0.1, pods: 2 },
    { share: 0.25, pods: 5 },
    { share: 0.5, pods: 10 },
  ];
  const intervals: Interval[] = [];
  plan.forEach(({ share, pods }, step) => {
    for (let i = 0; i < 5; i++) {
      const canaryRequests = random.poisson(requestsPerInterval * share);
      const baselineRequests = random.poisson(requestsPerInterval * (1 - share));
      intervals.push({
        step,
        canaryRequests,
        baselineRequests,
        canaryEvents: random.poisson(canaryRequests * 0.01 * podRate(pods)),
        baselineEvents: random.poisson(baselineRequests * 0.01 * podRate(20 - pods)),
      });
    }
  });
  return { intervals, history };
}

describe('anytime validity over a whole multi-step analysis (seeded Monte Carlo)', () => {
  it('false aborts of healthy bursty canaries stay within α = 1% over four steps: ≤ 1.5% of 2 000 runs', () => {
    // Pods' bursts that the baseline's aggregate hides: the case the pod factor is for. 2 000 runs at
    // α = 1% expect at most 20 aborts; 30 (1.5%) is the tolerance, which a test without the burstiness
    // bound (the Poisson model aborts about a third of these runs) cannot meet by chance.
    const random = createRandom(2024);
    const runs = 2000;
    let aborts = 0;
    for (let run = 0; run < runs; run++) {
      const { intervals, history } = podGammaHealthyRun(random, 30_000);
      if (firstRegressed(runAnalysis(intervals, history)) >= 0) aborts++;
    }
    expect(aborts / runs).toBeLessThanOrEqual(0.015);
  }, 120_000);

  it('the same runs judged as Poisson counts abort far more often (the check above can fail)', () => {
    const random = createRandom(2024);
    let aborts = 0;
    const runs = 200;
    const poisson = { ...spec(), judge: { type: 'sequential-count', exposure: 'requests', alpha: 0.01, dispersion: 'poisson' } };
    for (let run = 0; run < runs; run++) {
      const { intervals } = podGammaHealthyRun(random, 30_000);
      if (firstRegressed(runAnalysis(intervals, null, poisson)) >= 0) aborts++;
    }
    expect(aborts / runs).toBeGreaterThan(0.1);
  });
});
