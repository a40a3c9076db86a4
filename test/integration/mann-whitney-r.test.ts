// mannWhitney against R itself: random vector pairs (seeded), all judged in one Rscript run by
// wilcox.test(x, y, conf.int = TRUE, exact = FALSE, correct = TRUE, conf.level = ...).
// R is required (Debian's r-base-core; scripts/ensure-test-deps.mjs installs it in CI): without it
// this test fails, it never skips.

import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRandom } from '../../src/stats/random.js';
import { mannWhitney } from '../../src/stats/mann-whitney.js';
import type * as StatsEntry from '../../src/stats/index.js';

const run = promisify(execFile);
const RSCRIPT = process.env.RSCRIPT ?? 'Rscript';
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Case {
  id: string;
  canary: number[];
  baseline: number[];
  confidence: number;
  /** false where R cannot compute an interval (both samples constant): compare u and p only. */
  interval: boolean;
}

function makeCases(): Case[] {
  const source = createRandom(20240604);
  const random = source.uniform;
  const gauss = source.normal;
  const size = (): number => 1 + Math.floor(random() * 60);
  // Values are multiples of 1/1024: their decimal text is exact, so R parses the very same doubles.
  const continuous = (n: number, centre: number, scale: number): number[] =>
    Array.from({ length: n }, () => Math.round((centre + scale * gauss()) * 1024) / 1024);
  const tied = (n: number, centre: number): number[] => Array.from({ length: n }, () => Math.round(centre + 1.5 * gauss()));
  const confidences = [0.9, 0.95, 0.98, 0.99];
  const cases: Case[] = [];
  const add = (kind: string, canary: number[], baseline: number[], interval = true): void => {
    const confidence = confidences[cases.length % confidences.length] as number;
    cases.push({ id: `${cases.length}-${kind}`, canary, baseline, confidence, interval });
  };
  for (let i = 0; i < 8; i += 1) add('continuous-unshifted', continuous(size(), 10, 2), continuous(size(), 10, 2));
  for (let i = 0; i < 8; i += 1) add('continuous-shifted', continuous(size(), 11 + i * 0.3, 2), continuous(size(), 10, 2));
  for (let i = 0; i < 6; i += 1) add('ties-unshifted', tied(size(), 3), tied(size(), 3));
  for (let i = 0; i < 6; i += 1) add('ties-shifted', tied(size(), 4 + (i % 3)), tied(size(), 3));
  add('large-values', continuous(40, 250_000, 900), continuous(35, 249_000, 900));
  add('tiny-values', continuous(30, 0.05, 0.01), continuous(25, 0.04, 0.01));
  add('lengths-1-vs-60', continuous(1, 12, 1), continuous(60, 10, 2));
  add('lengths-60-vs-1', continuous(60, 10, 2), continuous(1, 9, 1));
  add('n1-tied-into-baseline', [3], tied(20, 3));
  add('both-n2', [1, 4], [2, 3]);
  add(
    'canary-constant',
    Array.from({ length: 12 }, () => 5),
    continuous(15, 4, 1),
  );
  add(
    'baseline-constant',
    continuous(18, 0.2, 0.1),
    Array.from({ length: 9 }, () => 0),
  );
  add(
    'canary-constant-ties',
    Array.from({ length: 7 }, () => 3),
    tied(25, 3),
  );
  add('zeros-vs-errors', [0, 0, 0, 0, 0, 1, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  add('both-constant-different', [7, 7, 7], [5, 5], false);
  add('both-n1-different', [2.5], [1], false);
  return cases;
}

interface RAnswer {
  u: number;
  pValue: number;
  estimate: number | null;
  low: number | null;
  high: number | null;
}

const R_PROGRAM = `
lines <- readLines(commandArgs(trailingOnly = TRUE)[1])
for (line in lines) {
  parts <- strsplit(line, "|", fixed = TRUE)[[1]]
  x <- as.numeric(strsplit(parts[4], ",", fixed = TRUE)[[1]])
  y <- as.numeric(strsplit(parts[5], ",", fixed = TRUE)[[1]])
  out <- tryCatch({
    r <- suppressWarnings(wilcox.test(x, y, conf.int = parts[3] == "ci", exact = FALSE, correct = TRUE,
                                      conf.level = as.numeric(parts[2])))
    if (parts[3] == "ci") {
      sprintf("%s %.17g %.17g %.17g %.17g %.17g", parts[1], r$statistic, r$p.value, r$estimate, r$conf.int[1], r$conf.int[2])
    } else {
      sprintf("%s %.17g %.17g NA NA NA", parts[1], r$statistic, r$p.value)
    }
  }, error = function(e) sprintf("%s ERROR %s", parts[1], conditionMessage(e)))
  cat(out, "\\n", sep = "")
}
`;

async function askR(cases: Case[]): Promise<Map<string, RAnswer>> {
  const folder = await mkdtemp(join(tmpdir(), 'canaryd-mw-r-'));
  try {
    const input = cases.map((c) => [c.id, c.confidence, c.interval ? 'ci' : 'p', c.canary.join(','), c.baseline.join(',')].join('|'));
    await writeFile(join(folder, 'cases.txt'), `${input.join('\n')}\n`);
    await writeFile(join(folder, 'judge.R'), R_PROGRAM);
    let stdout: string;
    try {
      ({ stdout } = await run(RSCRIPT, ['--vanilla', join(folder, 'judge.R'), join(folder, 'cases.txt')], { timeout: 60_000 }));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        throw new Error(`R is required for this test but '${RSCRIPT}' was not found: install r-base-core (node scripts/ensure-test-deps.mjs) or set RSCRIPT`);
      }
      throw error;
    }
    const answers = new Map<string, RAnswer>();
    for (const line of stdout.trim().split('\n')) {
      const [id, ...fields] = line.trim().split(' ');
      if (fields[0] === 'ERROR') throw new Error(`R failed on case ${id}: ${fields.slice(1).join(' ')}`);
      const numberOrNull = (text: string | undefined): number | null => (text === undefined || text === 'NA' ? null : Number(text));
      answers.set(id as string, {
        u: Number(fields[0]),
        pValue: Number(fields[1]),
        estimate: numberOrNull(fields[2]),
        low: numberOrNull(fields[3]),
        high: numberOrNull(fields[4]),
      });
    }
    return answers;
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

function expectWithin(actual: number, expected: number, relative: number, what: string): void {
  const scale = Math.max(1, Math.abs(expected));
  expect(Math.abs(actual - expected), `${what}: ${actual} vs R ${expected}`).toBeLessThanOrEqual(relative * scale);
}

describe('mannWhitney agrees with R wilcox.test', () => {
  const cases = makeCases();
  let answers: Map<string, RAnswer>;

  beforeAll(async () => {
    answers = await askR(cases);
  });

  it('R answered every case', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    expect([...answers.keys()].sort()).toEqual(cases.map((c) => c.id).sort());
  });

  it.each(cases.map((c) => [c.id, c] as const))('case %s', (_id, testCase) => {
    const answer = answers.get(testCase.id);
    expect(answer, 'R answered this case').toBeDefined();
    const r = answer as RAnswer;
    const ours = mannWhitney(testCase.canary, testCase.baseline, { confidence: testCase.confidence });
    expect(Math.abs(ours.u - r.u), `u ${ours.u} vs R ${r.u}`).toBeLessThanOrEqual(1e-9);
    expect(Math.abs(ours.pValue - r.pValue) / r.pValue, `p ${ours.pValue} vs R ${r.pValue}`).toBeLessThanOrEqual(1e-6);
    if (r.estimate === null || r.low === null || r.high === null) {
      // R has no interval here; ours is the exact shift (documented in mann-whitney.ts).
      const shift = (testCase.canary[0] as number) - (testCase.baseline[0] as number);
      expect(ours.estimate).toBe(shift);
      expect(ours.confidenceInterval).toEqual([shift, shift]);
      return;
    }
    expectWithin(ours.estimate, r.estimate, 1e-3, 'estimate');
    expectWithin(ours.confidenceInterval[0], r.low, 1e-3, 'interval low');
    expectWithin(ours.confidenceInterval[1], r.high, 1e-3, 'interval high');
  });
});

describe("import { mannWhitney } from 'canaryd/stats'", () => {
  const built = join(REPO_ROOT, 'dist', 'stats', 'index.js');
  const sources = ['index.ts', 'mann-whitney.ts', 'mann-whitney-zeroin.ts', 'normal.ts', 'kayenta.ts'].map((file) => join(REPO_ROOT, 'src', 'stats', file));

  beforeAll(async () => {
    const stale = !existsSync(built) || sources.some((source) => statSync(source).mtimeMs > statSync(built).mtimeMs);
    if (!stale) return;
    // tsc emits even when unrelated files have type errors; what matters is that the entry exists afterwards.
    await run('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: REPO_ROOT, timeout: 110_000 }).catch(() => undefined);
    expect(existsSync(built), `npx tsc -p tsconfig.build.json did not produce ${built}`).toBe(true);
  });

  it('resolves through the package exports inside vitest', async () => {
    const specifier = 'canaryd/stats';
    const entry = (await import(specifier)) as typeof StatsEntry;
    expect(entry.mannWhitney([1.5, 2, 3, 4, 8], [0, 1, 1, 2], { confidence: 0.98 })).toEqual(
      mannWhitney([1.5, 2, 3, 4, 8], [0, 1, 1, 2], { confidence: 0.98 }),
    );
    expect(entry.normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 14);
  });

  it('resolves through the package exports in plain Node (a checkout after npm install)', async () => {
    const program =
      "const { mannWhitney } = await import('canaryd/stats'); console.log(JSON.stringify(mannWhitney([1.5, 2, 3, 4, 8], [0, 1, 1, 2], { confidence: 0.98 })));";
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', program], { cwd: REPO_ROOT });
    // The same numbers R prints for wilcox.test(c(1.5,2,3,4,8), c(0,1,1,2), conf.int=TRUE, exact=FALSE, conf.level=0.98).
    expect(JSON.parse(stdout)).toEqual({ u: 18.5, pValue: 0.048140199582021953, estimate: 1.9999433244977676, confidenceInterval: [-0.5, 8] });
  });
});
