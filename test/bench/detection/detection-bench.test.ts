import { describe, expect, it } from 'vitest';
import { generateRun } from '../../../bench/detection/generate.js';
import { createRandom, deriveSeed } from '../../../src/stats/random.js';
import { runScenario } from '../../../bench/detection/run.js';
import { buildCatalogue, type Scenario } from '../../../bench/detection/scenarios.js';
import { median, summarize } from '../../../bench/detection/summarize.js';

const mean = (values: number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;
function variance(values: number[]): number {
  const centre = mean(values);
  return mean(values.map((value) => (value - centre) ** 2));
}

describe('benchmark random source', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const draw = (seed: number): number[] => Array.from({ length: 5 }, createRandom(seed).uniform);
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
    expect(deriveSeed(1, 2, 3)).toBe(deriveSeed(1, 2, 3));
    expect(deriveSeed(1, 2, 3)).not.toBe(deriveSeed(1, 3, 2));
  });

  it('draws Poisson and gamma with the right mean and variance', () => {
    const random = createRandom(11);
    for (const lambda of [0.3, 4, 25, 900]) {
      const draws = Array.from({ length: 20000 }, () => random.poisson(lambda));
      expect(mean(draws)).toBeCloseTo(lambda, lambda < 10 ? 1 : 0);
      expect(variance(draws) / lambda).toBeGreaterThan(0.95);
      expect(variance(draws) / lambda).toBeLessThan(1.05);
    }
    const gamma = Array.from({ length: 20000 }, () => random.gammaMeanOne(4));
    expect(mean(gamma)).toBeCloseTo(1, 1);
    expect(variance(gamma)).toBeCloseTo(0.25, 1);
  });
});

describe('benchmark scenarios and summary', () => {
  const catalogue = buildCatalogue(true);
  const find = (id: string): Scenario => {
    const scenario = catalogue.scenarios.find((candidate) => candidate.id === id);
    if (!scenario) throw new Error(`no scenario ${id}`);
    return scenario;
  };

  it('covers healthy noises, both regression families and mid-step onsets', () => {
    const families = new Set(catalogue.scenarios.map((scenario) => `${scenario.family}/${scenario.noise}`));
    for (const expected of [
      'healthy/poisson',
      'healthy/arm-gamma',
      'healthy/pod-gamma',
      'healthy/shared-burst',
      'healthy/diurnal',
      'healthy/latency-jitter',
      'error-regression/poisson',
      'latency-regression/poisson',
    ]) {
      expect(families.has(expected)).toBe(true);
    }
    expect(catalogue.scenarios.some((scenario) => scenario.onsetIntervals > 0)).toBe(true);
  });

  it('has obvious regressions over an error-free baseline and multi-step canaries whose share follows the steps', () => {
    const obvious = find('obvious-regression-poisson-10rps-50%-errors0%→10%');
    expect(obvious.baselineErrorRate).toBe(0);
    const data = generateRun(obvious, createRandom(3));
    expect(data.errors.baseline.every((count) => count === 0)).toBe(true);
    expect(data.errors.canary.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(data.history.errors.every((count) => count === 0)).toBe(true);
    const multi = find('multistep-error-regression-poisson-500rps-steps5-10-25-50%-errors×3-onset8');
    expect(multi.steps.map((step) => step.share)).toEqual([0.05, 0.1, 0.25, 0.5]);
    const run = generateRun(multi, createRandom(4));
    const share = (i: number): number => (run.requests.canary[i] as number) / ((run.requests.canary[i] as number) + (run.requests.baseline[i] as number));
    expect(share(0)).toBeLessThan(0.08);
    expect(share(20)).toBeGreaterThan(0.45);
    const outcome = runScenario(obvious, catalogue.scenarios.indexOf(obvious), 3, 42);
    expect(outcome.aborts['oracle-sprt']?.every((abort) => abort !== null && abort <= 3)).toBe(true);
    expect(outcome.aborts['canaryd-sequential']?.every((abort) => abort !== null && abort <= 3)).toBe(true);
  });

  it("generates requests split by share with the scenario's error ratio", () => {
    const scenario = find('error-regression-poisson-500rps-50%-errors×3');
    const data = generateRun(scenario, createRandom(5));
    const canaryRate = data.errors.canary.reduce((a, b) => a + b, 0) / data.requests.canary.reduce((a, b) => a + b, 0);
    const baselineRate = data.errors.baseline.reduce((a, b) => a + b, 0) / data.requests.baseline.reduce((a, b) => a + b, 0);
    expect(canaryRate / baselineRate).toBeGreaterThan(2.7);
    expect(canaryRate / baselineRate).toBeLessThan(3.3);
    expect(data.requests.canary[0]).toBe((data.buckets.canary[0] as number[]).reduce((a, b) => a + b, 0));
  });

  it('runs every judge on the same runs, deterministically, and summarizes them', () => {
    const index = catalogue.scenarios.indexOf(find('error-regression-poisson-500rps-50%-errors×3'));
    const first = runScenario(catalogue.scenarios[index] as Scenario, index, 3, 42);
    expect(runScenario(catalogue.scenarios[index] as Scenario, index, 3, 42)).toEqual(first);
    expect(first.aborts['oracle-sprt']?.every((abort) => abort !== null && abort <= 3)).toBe(true);
    const healthyIndex = catalogue.scenarios.indexOf(find('healthy-poisson-50rps-5%'));
    const healthy = runScenario(catalogue.scenarios[healthyIndex] as Scenario, healthyIndex, 2, 42);
    const { summary, rows } = summarize([first, healthy]);
    const oracle = summary.find((entry) => entry.judge === 'oracle-sprt');
    expect(oracle?.falseAbortRate).toBeNull();
    expect(oracle?.medianTimeToDetectRatioToOracle).toBe(1);
    expect(rows.filter((row) => row.judge === 'canaryd-sequential')).toHaveLength(2);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
  });
});
