// The detection benchmark: `npm run bench:detection [-- --quick] [-- --robust] [-- --only JUDGE,…] [-- --json FILE] [-- --seed N] [-- --workers N]`.
// Simulates healthy and regressed canaries, runs every judge on the same runs, prints tables and
// optionally writes JSON {"summary": [...], "rows": [...]}. Deterministic for a given seed.

import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { falseAbortTable, familyTable, oracleSpeedTable, summaryTable, ticksTable } from './report.js';
import { replicatesFor, type ScenarioOutcome } from './run.js';
import { buildCatalogue } from './scenarios.js';
import { summarize } from './summarize.js';
import type { WorkerAnswer, WorkerRequest } from './worker.js';

interface Options {
  quick: boolean;
  robust: boolean;
  only: string[];
  json: string | null;
  seed: number;
  workers: number;
}

function parseOptions(argv: readonly string[]): Options {
  const options: Options = { quick: false, robust: false, only: [], json: null, seed: 20240601, workers: Math.min(2, availableParallelism()) };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = (): string => {
      const value = argv[++i];
      if (value === undefined) throw new Error(`${arg} needs a value`);
      return value;
    };
    if (arg === '--quick') options.quick = true;
    else if (arg === '--robust') options.robust = true;
    else if (arg === '--only')
      options.only = next()
        .split(',')
        .map((name) => name.trim())
        .filter((name) => name !== '');
    else if (arg === '--json') options.json = next();
    else if (arg === '--seed') options.seed = Number.parseInt(next(), 10);
    else if (arg === '--workers') options.workers = Math.max(1, Number.parseInt(next(), 10));
    else throw new Error(`unknown argument ${arg} (use --quick, --robust, --only JUDGE,JUDGE, --json FILE, --seed N, --workers N)`);
  }
  if (!Number.isInteger(options.seed)) throw new Error('--seed needs an integer');
  return options;
}

async function runAll(requests: WorkerRequest[], workers: number, onDone: (done: number) => void): Promise<ScenarioOutcome[]> {
  const outcomes: ScenarioOutcome[] = new Array(requests.length);
  let next = 0;
  let done = 0;
  const workerUrl = new URL('./worker.js', import.meta.url);
  await Promise.all(
    Array.from({ length: Math.min(workers, requests.length) }, () => {
      const worker = new Worker(workerUrl);
      return new Promise<void>((resolve, reject) => {
        const feed = (): void => {
          const request = requests[next++];
          if (request === undefined) {
            void worker.terminate().then(() => resolve());
            return;
          }
          worker.postMessage(request);
        };
        worker.on('message', (answer: WorkerAnswer) => {
          outcomes[answer.index] = answer.outcome;
          onDone(++done);
          feed();
        });
        worker.on('error', reject);
        feed();
      });
    }),
  );
  return outcomes;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const catalogue = buildCatalogue(options.quick);
  const requests: WorkerRequest[] = catalogue.scenarios.map((scenario, index) => ({
    scenario,
    index,
    replicates: replicatesFor(catalogue, scenario),
    seed: options.seed,
    withRobust: options.robust,
    only: options.only,
  }));
  const runs = requests.reduce((total, request) => total + request.replicates, 0);
  const started = Date.now();
  process.stderr.write(
    `detection benchmark: ${requests.length} scenarios, ${runs} runs, seed ${options.seed}, ${options.workers} workers${options.quick ? ', quick' : ''}\n`,
  );
  const outcomes = await runAll(requests, options.workers, (done) => {
    if (done % 20 === 0 || done === requests.length)
      process.stderr.write(`  ${done}/${requests.length} scenarios, ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  });
  const { summary, rows } = summarize(outcomes);
  const seconds = (Date.now() - started) / 1000;
  process.stdout.write(`\n${summaryTable(summary)}\n\nFalse-abort rate by kind of healthy noise:\n\n${falseAbortTable(summary)}\n\n`);
  process.stdout.write(`Power / median time-to-detect ÷ oracle, on regressions the oracle detects (Poisson noise):\n\n${familyTable(rows)}\n\n`);
  process.stdout.write(`The same by how fast the oracle detects (scenarios in brackets):\n\n${oracleSpeedTable(summary)}\n\n`);
  const headline = ['canaryd-sequential', 'kayenta-mann-whitney', 'oracle-sprt'].filter((name) => rows.some((row) => row.judge === name));
  process.stdout.write(
    `Per family: power / median ticks to detect / median minutes / median TTD ÷ oracle (medians over scenarios):\n\n${ticksTable(rows, headline)}\n\n`,
  );
  process.stdout.write(`${runs} runs in ${seconds.toFixed(0)} s (seed ${options.seed}${options.quick ? ', --quick' : ''})\n`);
  if (options.json !== null) {
    const document = { seed: options.seed, quick: options.quick, runs, seconds, summary, rows };
    writeFileSync(
      options.json,
      `${JSON.stringify(document, (_, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? null : value), 2)}\n`,
    );
    process.stderr.write(`wrote ${options.json}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
});
