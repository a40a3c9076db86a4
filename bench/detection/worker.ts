// A worker thread of the benchmark: runs one scenario per message and answers with its outcome.

import { parentPort } from 'node:worker_threads';
import { judgesFor, runScenario, type ScenarioOutcome } from './run.js';
import type { Scenario } from './scenarios.js';

export interface WorkerRequest {
  scenario: Scenario;
  index: number;
  replicates: number;
  seed: number;
  withRobust: boolean;
  only: string[];
}

export interface WorkerAnswer {
  index: number;
  outcome: ScenarioOutcome;
}

parentPort?.on('message', (request: WorkerRequest) => {
  const answer: WorkerAnswer = {
    index: request.index,
    outcome: runScenario(request.scenario, request.index, request.replicates, request.seed, judgesFor(request.withRobust, request.only)),
  };
  parentPort?.postMessage(answer);
});
