// Issue 7 through `canaryd backtest` / `canaryd analyze` against a real Prometheus: the shipped
// sequential template aborts an obvious regression within two ticks (also when it starts in a later
// step), promotes a bursty healthy canary, and never promotes a tick whose guard query failed.

import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JUDGE_CANARY_START, judgeScenarioHistory } from '../fixtures/judge-scenarios.js';
import { runCanaryd } from '../helpers/cli.js';
import { startPrometheus, type RunningPrometheus } from '../helpers/prometheus.js';

interface Tick {
  at: string;
  verdict: string;
  step: number;
  rule: { id: string; group: string } | null;
  reason: string;
  metrics: Array<{ name: string; regressed?: boolean | null; judge?: { details: Record<string, unknown> } }>;
}

interface Report {
  verdict: string;
  decidedAt: string | null;
  rule: { id: string; group: string } | null;
  ticks: Tick[];
}

const SHIPPED = 'analysis-templates/http-service-sequential.yaml';
let prometheus: RunningPrometheus;
let folder: string;

beforeAll(async () => {
  prometheus = await startPrometheus({ openMetrics: judgeScenarioHistory() });
  folder = mkdtempSync(join(tmpdir(), 'canaryd-detection-'));
});

afterAll(async () => {
  await prometheus?.stop();
  if (folder) rmSync(folder, { recursive: true, force: true });
});

/** The shipped template with its text changed by `edit`, written to a temp file. */
function variant(name: string, edit: (text: string) => string): string {
  const file = join(folder, `${name}.yaml`);
  writeFileSync(file, edit(readFileSync(SHIPPED, 'utf8')));
  return file;
}

async function backtest(template: string, service: string, minutes = 60): Promise<{ code: number; report: Report }> {
  const run = await runCanaryd([
    'backtest',
    '--template',
    template,
    '--source-url',
    prometheus.url,
    '--arg',
    `service=${service}`,
    '--start',
    String(JUDGE_CANARY_START),
    '--end',
    String(JUDGE_CANARY_START + minutes * 60),
    '--output',
    'json',
  ]);
  if (run.stdout.trim() === '') throw new Error(`no output; exit ${run.code}; stderr: ${run.stderr}`);
  return { code: run.code, report: JSON.parse(run.stdout) as Report };
}

/** Judgements (ticks after initialDelay) up to and including the deciding one. */
const judgementsUntilDecision = (report: Report): number => report.ticks.findIndex((tick) => tick.verdict === 'abort') + 1;

describe('obvious regressions', () => {
  it('the shipped sequential template aborts 0% vs 10% errors within two ticks, by errors-regressed', async () => {
    const { code, report } = await backtest(SHIPPED, 'seq-obvious');
    expect(code).toBe(1);
    expect(report.rule).toEqual({ id: 'errors-regressed', group: 'abort' });
    const judgements = judgementsUntilDecision(report);
    expect(judgements).toBeGreaterThanOrEqual(1);
    expect(judgements).toBeLessThanOrEqual(2);
    const errors = report.ticks.at(-1)?.metrics.find((metric) => metric.name === 'errors');
    expect(errors?.regressed).toBe(true);
    // The baseline's history had no errors: the evidence says the burstiness bound was assumed, not measured.
    expect(errors?.judge?.details['burstinessBasis']).toBe('silent-history');
  });

  it('with short steps, a regression that starts in a later step is aborted within two ticks of its onset', async () => {
    const shortSteps = variant('short-steps', (text) =>
      text.replace('stepDefaults: { minDuration: 10m, maxDuration: 45m }', 'stepDefaults: { minDuration: 2m, maxDuration: 45m }'),
    );
    const { code, report } = await backtest(shortSteps, 'seq-obvious-later');

    expect(code).toBe(1);
    expect(report.rule?.id).toBe('errors-regressed');
    const abort = report.ticks.find((tick) => tick.verdict === 'abort') as Tick;
    expect(abort.step).toBeGreaterThanOrEqual(1);
    const onset = JUDGE_CANARY_START + 3 * 60;
    const ticksAfterOnset = report.ticks.filter((tick) => Date.parse(tick.at) / 1000 > onset && Date.parse(tick.at) <= Date.parse(abort.at)).length;
    expect(ticksAfterOnset).toBeGreaterThanOrEqual(1);
    expect(ticksAfterOnset).toBeLessThanOrEqual(2);
    expect(report.ticks.some((tick) => tick.verdict === 'promote')).toBe(true);
  });
});

describe('bursty healthy canaries', () => {
  it('are promoted through every step, not aborted by a judge', async () => {
    const { code, report } = await backtest(
      variant('bursty', (text) => text.replace('stepDefaults: { minDuration: 10m, maxDuration: 45m }', 'stepDefaults: { minDuration: 5m, maxDuration: 45m }')),
      'seq-bursty',
      120,
    );
    expect(report.ticks.filter((tick) => tick.rule?.id === 'errors-regressed' || tick.rule?.id === 'latency-regressed')).toEqual([]);
    expect(code).toBe(0);
    expect(report.rule?.id).toBe('healthy');
    // The judges learnt from the baseline's history (an hour of it, fetched by range queries on the first judgement).
    const first = report.ticks[0] as Tick;
    const errors = first.metrics.find((metric) => metric.name === 'errors');
    expect(errors?.judge?.details['burstinessBasis']).toBe('history');
    expect(errors?.judge?.details['historyIntervals']).toBeGreaterThanOrEqual(50);
    expect(errors?.judge?.details['burstinessBound']).toBeGreaterThan(0);
    const latency = first.metrics.find((metric) => metric.name === 'latency');
    expect(String(latency?.judge?.details['method'])).toContain('all-bucket');
    expect(latency?.judge?.details['jitterBound']).toBeGreaterThanOrEqual(0);
  });
});

describe('a failed query never lets a tick promote', () => {
  // A guard metric that no rule reads, whose query returns one series per status code: an error every tick.
  const withBrokenGuard = (optional: boolean): string =>
    variant(optional ? 'guard-optional' : 'guard', (text) =>
      text.replace(
        '  metrics:\n',
        `  metrics:\n    - name: guard\n      query: sum by (code) (increase(http_requests_total{service="{{ args.service }}",track="{{ variant }}"}[{{ window }}]))\n${optional ? '      optional: true\n' : ''}`,
      ),
    );

  it('backtest holds by source-errors (naming the metric and the failure) and never promotes: exit 3', async () => {
    const { code, report } = await backtest(withBrokenGuard(false), 'seq-healthy', 30);
    expect(code).toBe(3);
    expect(report.ticks.some((tick) => tick.verdict === 'promote')).toBe(false);
    const held = report.ticks.filter((tick) => tick.rule?.id === 'source-errors');
    expect(held.length).toBeGreaterThan(0);
    expect(held[0]?.verdict).toBe('hold');
    expect(held[0]?.reason).toContain('guard');
    expect(held[0]?.reason).toMatch(/several-series|series/);
  });

  it('analyze answers HOLD (exit 3), never PROMOTE; an optional guard does not hold', async () => {
    const at = String(JUDGE_CANARY_START + 20 * 60);
    const args = ['analyze', '--source-url', prometheus.url, '--arg', 'service=seq-healthy', '--at', at, '--output', 'json'];
    const held = await runCanaryd(['analyze', '--template', withBrokenGuard(false), ...args.slice(1)]);
    expect(held.code).toBe(3);
    const verdict = JSON.parse(held.stdout) as { verdict: string; rule: { id: string } | null };
    expect(verdict.verdict).toBe('hold');
    expect(verdict.rule?.id).toBe('source-errors');
    const optional = await runCanaryd(['analyze', '--template', withBrokenGuard(true), ...args.slice(1)]);
    expect(JSON.parse(optional.stdout).rule?.id).not.toBe('source-errors');
  });
});
