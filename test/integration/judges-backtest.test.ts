// The statistical judges through `canaryd backtest` against a real Prometheus: healthy, bursty
// (overdispersed) healthy and regressed canaries, judged by analysis-templates/http-service-sequential.yaml.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JUDGE_CANARY_START, judgeScenarioHistory } from '../fixtures/judge-scenarios.js';
import { runCanaryd } from '../helpers/cli.js';
import { startPrometheus, type RunningPrometheus } from '../helpers/prometheus.js';

interface JudgedMetric {
  name: string;
  regressed?: boolean | null;
  p_value?: number | null;
  judge?: { judge: string; regressed: boolean | null; pValue: number | null; details: Record<string, unknown> };
}

interface Report {
  verdict: string;
  decidedAt: string | null;
  rule: { id: string; group: string } | null;
  ticks: Array<{ at: string; verdict: string; rule: { id: string } | null; metrics: JudgedMetric[] }>;
}

let prometheus: RunningPrometheus;

beforeAll(async () => {
  prometheus = await startPrometheus({ openMetrics: judgeScenarioHistory() });
});

afterAll(async () => {
  await prometheus?.stop();
});

const minutesAfterStart = (iso: string | null): number => (Date.parse(iso ?? '') / 1000 - JUDGE_CANARY_START) / 60;

async function backtest(service: string, output: 'json' | 'text' = 'json'): Promise<{ code: number; stdout: string }> {
  const run = await runCanaryd([
    'backtest',
    '--template',
    'analysis-templates/http-service-sequential.yaml',
    '--source-url',
    prometheus.url,
    '--arg',
    `service=${service}`,
    '--start',
    String(JUDGE_CANARY_START),
    '--end',
    String(JUDGE_CANARY_START + 120 * 60),
    '--output',
    output,
  ]);
  if (run.stdout.trim() === '') throw new Error(`no output; exit ${run.code}; stderr: ${run.stderr}`);
  return run;
}

function judged(report: Report, metric: string): JudgedMetric[] {
  return report.ticks.map((tick) => tick.metrics.find((one) => one.name === metric)).filter((one): one is JudgedMetric => one !== undefined);
}

describe('sequential judges through backtest', () => {
  it('promotes a healthy canary; every tick carries anytime-valid evidence', async () => {
    const { code, stdout } = await backtest('seq-healthy');
    const report = JSON.parse(stdout) as Report;
    expect(code).toBe(0);
    expect(report.rule?.id).toBe('healthy');
    const errors = judged(report, 'errors');
    expect(errors.length).toBe(report.ticks.length);
    for (const metric of errors) {
      expect(metric.judge?.judge).toBe('sequential-count');
      expect(metric.regressed).toBe(false);
      expect(metric.p_value).toBeGreaterThan(0);
      expect(metric.p_value).toBeLessThanOrEqual(1);
      expect(typeof metric.judge?.details['eValue']).toBe('number');
    }
    const latency = judged(report, 'latency');
    expect(latency.every((metric) => metric.judge?.judge === 'sequential-histogram' && metric.regressed === false)).toBe(true);
    const p95 = judged(report, 'p95');
    expect(p95.every((metric) => metric.judge?.judge === 'mann-whitney')).toBe(true);
  });

  it('never aborts a bursty (overdispersed) healthy canary by a judge', async () => {
    const { stdout } = await backtest('seq-bursty');
    const report = JSON.parse(stdout) as Report;
    const judgeAborts = report.ticks.filter((tick) => tick.rule?.id === 'errors-regressed' || tick.rule?.id === 'latency-regressed');
    expect(judgeAborts).toEqual([]);
    expect(judged(report, 'errors').every((metric) => metric.regressed === false)).toBe(true);
  });

  it('aborts a canary with twice the error rate by errors-regressed, within its first step', async () => {
    const { code, stdout } = await backtest('seq-errors-2x');
    const report = JSON.parse(stdout) as Report;
    expect(code).toBe(1);
    expect(report.rule).toEqual({ id: 'errors-regressed', group: 'abort' });
    expect(minutesAfterStart(report.decidedAt)).toBeLessThanOrEqual(10);
    const last = judged(report, 'errors').at(-1);
    expect(last?.p_value).toBeLessThanOrEqual(0.01);
  });

  it('aborts a canary 20% slower by latency-regressed', async () => {
    const { code, stdout } = await backtest('seq-slow-20pct');
    const report = JSON.parse(stdout) as Report;
    expect(code).toBe(1);
    expect(report.rule).toEqual({ id: 'latency-regressed', group: 'abort' });
    expect(minutesAfterStart(report.decidedAt)).toBeLessThanOrEqual(10);
  });

  it("shows the judges' evidence in the text timeline", async () => {
    const { stdout } = await backtest('seq-errors-2x', 'text');
    expect(stdout).toMatch(/errors .*\[sequential-count: REGRESSED p=[0-9.e-]+ eValue=/);
    expect(stdout).toMatch(/p95 .*\[mann-whitney: /);
  });
});
