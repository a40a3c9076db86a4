// The judges the benchmark compares, all on the same simulated runs.

import type { RunData } from './generate.js';
import type { Scenario } from './scenarios.js';

export interface BenchJudge {
  name: string;
  /** The number of intervals observed when the judge aborts (1 = after the first), or null if it never does. */
  run(scenario: Scenario, data: RunData): number | null;
}
