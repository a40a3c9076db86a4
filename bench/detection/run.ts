// Runs scenarios: each replicate is one simulated canary, judged by every judge on the same data.

import { CANARYD_LOOSER_ALPHAS, canarydJudge } from './judges-canaryd.js';
import { flaggerThreshold } from './judges-flagger.js';
import { fixedHorizonMannWhitney, kayentaMannWhitney } from './judges-mann-whitney.js';
import { oracleSprt } from './judges-oracle.js';
import type { BenchJudge } from './judges.js';
import { generateRun } from './generate.js';
import { createRandom, deriveSeed } from '../../src/stats/random.js';
import type { Catalogue, Scenario } from './scenarios.js';

export const JUDGES: readonly BenchJudge[] = [
  canarydJudge('canaryd-sequential', 'calibrated'),
  // The same judge at looser analysis-wide alphas: the trade-off curve.
  ...CANARYD_LOOSER_ALPHAS.map((alpha) => canarydJudge(`canaryd-sequential-alpha${alpha}`, 'calibrated', alpha)),
  // The Poisson-only test, for comparison (the worst-case burstiness judge runs with --robust).
  canarydJudge('canaryd-sequential-poisson', 'poisson'),
  kayentaMannWhitney,
  fixedHorizonMannWhitney,
  flaggerThreshold,
  oracleSprt,
];

/** Judges run only on request (`--robust`): the worst-case burstiness judge nearly doubles the benchmark's time. */
export const OPTIONAL_JUDGES: readonly BenchJudge[] = [canarydJudge('canaryd-sequential-robust', 'robust')];

/** The judges of a run: all, plus the optional ones with --robust, or only those named (--only a,b). */
export function judgesFor(withRobust: boolean, only: readonly string[] = []): readonly BenchJudge[] {
  const all = withRobust
    ? [...JUDGES.slice(0, 1 + CANARYD_LOOSER_ALPHAS.length), ...OPTIONAL_JUDGES, ...JUDGES.slice(1 + CANARYD_LOOSER_ALPHAS.length)]
    : JUDGES;
  return only.length === 0 ? all : all.filter((judge) => only.includes(judge.name));
}

export interface ScenarioOutcome {
  scenario: Scenario;
  /** Per judge, per replicate: intervals observed at the abort, or null. */
  aborts: Record<string, Array<number | null>>;
}

export function replicatesFor(catalogue: Catalogue, scenario: Scenario): number {
  return scenario.family === 'healthy' ? catalogue.replicates.healthy : catalogue.replicates.regression;
}

export function runScenario(scenario: Scenario, index: number, replicates: number, seed: number, judges: readonly BenchJudge[] = JUDGES): ScenarioOutcome {
  const aborts: Record<string, Array<number | null>> = Object.fromEntries(judges.map((judge) => [judge.name, []]));
  for (let replicate = 0; replicate < replicates; replicate++) {
    const data = generateRun(scenario, createRandom(deriveSeed(seed, index, replicate)));
    for (const judge of judges) (aborts[judge.name] as Array<number | null>).push(judge.run(scenario, data));
  }
  return { scenario, aborts };
}
