// `canaryd backtest` and `canaryd analyze` through the real binary, against a real Prometheus
// backfilled with deterministic canary histories (see test/fixtures/canary-scenarios.ts).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CANARY_START, scenarioHistory } from '../fixtures/canary-scenarios.js';
import { runCanaryd } from '../helpers/cli.js';
import { startPrometheus, type RunningPrometheus } from '../helpers/prometheus.js';

const MINUTE = 60;
let prometheus: RunningPrometheus;

beforeAll(async () => {
  prometheus = await startPrometheus({ openMetrics: scenarioHistory() });
});

afterAll(async () => {
  await prometheus?.stop();
});

interface Report {
  template: string;
  args: Record<string, string>;
  verdict: string;
  decidedAt: string | null;
  step: number;
  weight: number;
  rule: { id: string; group: string } | null;
  ticks: Array<{
    at: string;
    step: number;
    weight: number;
    verdict: string;
    rule: { id: string } | null;
    reason: string;
    conditions: unknown[];
    metrics: Array<{ name: string }>;
  }>;
}

const at = (minutesAfterStart: number): string => new Date((CANARY_START + minutesAfterStart * MINUTE) * 1000).toISOString();

/** Evidence for the ai-agent template's checks (spec.checks): an eval that passed and a clean AgBOM diff. */
const AGENT_CHECKS = ['--check', 'eval=test/fixtures/checks/eval-pass.json', '--check', 'agbom=test/fixtures/checks/agbom-clean.json'];

async function backtest(template: string, args: string[], endMinutes: number, extra: string[] = []): Promise<{ code: number; report: Report; stderr: string }> {
  const run = await runCanaryd([
    'backtest',
    '--template',
    `analysis-templates/${template}.yaml`,
    '--source-url',
    prometheus.url,
    '--start',
    String(CANARY_START),
    '--end',
    at(endMinutes),
    '--output',
    'json',
    ...args.flatMap((arg) => ['--arg', arg]),
    ...extra,
  ]);
  if (run.stdout.trim() === '') throw new Error(`no output; exit ${run.code}; stderr: ${run.stderr}`);
  return { code: run.code, report: JSON.parse(run.stdout) as Report, stderr: run.stderr };
}

describe('backtest: http-service template', () => {
  it('promotes a healthy canary through every step, one step per minDuration', async () => {
    const { code, report } = await backtest('http-service', ['service=healthy'], 120);
    expect(code).toBe(0);
    expect(report.verdict).toBe('promote');
    expect(report.rule).toEqual({ id: 'healthy', group: 'promote' });
    expect(report.decidedAt).toBe(at(40));
    expect(report.weight).toBe(100);
    expect(report.step).toBe(3);
    const promotions = report.ticks.filter((tick) => tick.verdict === 'promote').map((tick) => [tick.at, tick.weight]);
    expect(promotions).toEqual([
      [at(10), 5],
      [at(20), 25],
      [at(30), 50],
      [at(40), 100],
    ]);
    // initialDelay 2m: the first judgement is at +2m.
    expect(report.ticks[0]?.at).toBe(at(2));
    expect(report.ticks.every((tick) => tick.verdict === 'promote' || tick.verdict === 'continue')).toBe(true);
  });

  it('aborts a canary with 10x the errors at its first judgement, by error-spike', async () => {
    const { code, report } = await backtest('http-service', ['service=failing'], 120);
    expect(code).toBe(1);
    expect(report.verdict).toBe('abort');
    expect(report.rule).toEqual({ id: 'error-spike', group: 'abort' });
    expect(report.decidedAt).toBe(at(2));
    expect(report.weight).toBe(5);
    expect(report.ticks).toHaveLength(1);
  });

  it('aborts a slow canary by latency-spike, not by errors', async () => {
    const { code, report } = await backtest('http-service', ['service=slow'], 120);
    expect(code).toBe(1);
    expect(report.rule).toEqual({ id: 'latency-spike', group: 'abort' });
    expect(report.decidedAt).toBe(at(2));
    const p95 = report.ticks[0]?.metrics.find((metric) => metric.name === 'p95_latency') as { change: number } | undefined;
    expect(p95?.change).toBeGreaterThan(0.9);
  });

  it('aborts a canary that fails late, in the third step, within two ticks of the failure', async () => {
    const { code, report } = await backtest('http-service', ['service=late-failing'], 120);
    expect(code).toBe(1);
    expect(report.rule?.id).toBe('error-spike');
    expect(report.step).toBe(2);
    expect(report.weight).toBe(50);
    // Errors jump at +25m; the 10m window must show > 1% errors by +27m at the latest.
    const decided = Date.parse(report.decidedAt ?? '');
    expect(decided).toBeGreaterThan(Date.parse(at(25)));
    expect(decided).toBeLessThanOrEqual(Date.parse(at(27)));
  });

  it('holds a low-traffic canary until its step times out, never promoting', async () => {
    const { code, report } = await backtest('http-service', ['service=low-traffic'], 120);
    expect(code).toBe(1);
    expect(report.rule).toEqual({ id: 'step-timeout', group: 'builtin' });
    expect(report.decidedAt).toBe(at(45));
    const earlier = report.ticks.slice(0, -1);
    expect(earlier.length).toBeGreaterThan(40);
    expect(earlier.every((tick) => tick.verdict === 'hold' && tick.rule?.id === 'low-traffic')).toBe(true);
  });

  it('does not abort on a couple of errors among too few requests: holds on low-traffic until the step times out', async () => {
    const { code, report } = await backtest('http-service', ['service=low-traffic-errors'], 120);
    const first = report.ticks[0]?.metrics.find((metric) => metric.name === 'error_rate') as { canary: number } | undefined;
    // Above the 1% of error-spike, and 6x the baseline: without the traffic guard this tick aborted.
    expect(first?.canary).toBeGreaterThan(0.02);
    expect(code).toBe(1);
    expect(report.rule).toEqual({ id: 'step-timeout', group: 'builtin' });
    expect(report.decidedAt).toBe(at(45));
    expect(report.ticks.slice(0, -1).every((tick) => tick.verdict === 'hold' && tick.rule?.id === 'low-traffic')).toBe(true);
  });

  it('holds a canary without data on telemetry-missing: no promote, no abort, exit 3', async () => {
    const { code, report } = await backtest('http-service', ['service=no-data'], 40);
    expect(code).toBe(3);
    expect(report.verdict).toBe('hold');
    expect(report.decidedAt).toBeNull();
    expect(report.rule).toEqual({ id: 'telemetry-missing', group: 'hold' });
    expect(report.ticks.every((tick) => tick.verdict === 'hold')).toBe(true);
  });
});

describe('backtest: shipped queue-worker and ai-agent templates', () => {
  it('promotes a healthy queue worker through its three steps', async () => {
    const { code, report } = await backtest('queue-worker', ['service=worker-healthy'], 120);
    expect(code).toBe(0);
    expect(report.decidedAt).toBe(at(45));
    expect(report.rule?.id).toBe('healthy');
  });

  it('aborts a queue worker whose failure ratio is 8x the baseline', async () => {
    const { code, report } = await backtest('queue-worker', ['service=worker-failing'], 120);
    expect(code).toBe(1);
    expect(report.rule?.id).toBe('failure-spike');
    expect(report.decidedAt).toBe(at(1));
  });

  it('promotes a healthy agent release after holding for enough cases', async () => {
    const { code, report } = await backtest('ai-agent', ['agent=agent-healthy'], 150, AGENT_CHECKS);
    expect(code).toBe(0);
    expect(report.ticks[0]?.rule?.id).toBe('few-cases');
    expect(report.decidedAt).toBe(at(80));
  });

  it('never promotes a healthy agent release without its eval and AgBOM evidence, nor with a failed eval', async () => {
    const none = await backtest('ai-agent', ['agent=agent-healthy'], 150);
    expect(none.code).toBe(3);
    expect(none.report.ticks.some((tick) => tick.verdict === 'promote')).toBe(false);
    expect(none.report.ticks.at(-1)?.reason).toMatch(
      /promote rule ready is unknown: checks\.eval\.task_success, checks\.eval\.pii_leakage, checks\.agbom\.high_risk have no value/,
    );
    const failed = await backtest('ai-agent', ['agent=agent-healthy'], 150, [
      '--check',
      'eval=test/fixtures/checks/eval-fail.json',
      '--check',
      'agbom=test/fixtures/checks/agbom-clean.json',
    ]);
    expect(failed.code).toBe(3);
    expect(failed.report.ticks.some((tick) => tick.verdict === 'promote')).toBe(false);
  });

  it('aborts an agent release at its first PII leak', async () => {
    const { code, report } = await backtest('ai-agent', ['agent=agent-leaky'], 150);
    expect(code).toBe(1);
    expect(report.rule?.id).toBe('pii-leak');
    expect(report.decidedAt).toBe(at(7));
  });
});

describe('analyze --output gate and --check', () => {
  const analyzeAgent = (extra: string[]) =>
    runCanaryd([
      'analyze',
      '--template',
      'analysis-templates/ai-agent.yaml',
      '--source-url',
      prometheus.url,
      '--arg',
      'agent=agent-healthy',
      '--at',
      at(100),
      ...extra,
    ]);

  it('prints the gate report: blockers from the conditions, owners from the template, the decision', async () => {
    const blocked = await analyzeAgent([
      '--output',
      'gate',
      '--check',
      'eval=test/fixtures/checks/eval-fail.json',
      '--check',
      'agbom=test/fixtures/checks/agbom-clean.json',
    ]);
    expect(blocked.code).toBe(3);
    const report = JSON.parse(blocked.stdout) as {
      gate_id: string;
      decision: string;
      owners: Record<string, string>;
      window: { duration: string };
      blockers: Record<string, { value: unknown; pass: boolean | null }>;
    };
    expect(report.decision).toBe('block');
    expect(report.gate_id).toBe(`analyze:ai-agent@${at(100)}`);
    expect(report.owners).toEqual({ release: 'release-managers', evals: 'ml-evals', security: 'appsec' });
    expect(report.window.duration).toBe('30m');
    expect(report.blockers['checks.eval.task_success >= 0.85']).toEqual({ target_gte: 0.85, value: 0.78, pass: false });
    expect(report.blockers['pii_leaks.canary > 0']).toEqual({ target_lte: 0, value: 0, pass: true });

    const allowed = await analyzeAgent(['--output', 'gate', ...AGENT_CHECKS]);
    expect(allowed.code).toBe(0);
    expect((JSON.parse(allowed.stdout) as { decision: string }).decision).toBe('allow_promotion_to_next_stage');
  });

  it.each([
    [['--check', 'sbom=test/fixtures/checks/agbom-clean.json'], /--check sbom=.*: template ai-agent has no check "sbom" \(checks: eval, agbom\)/],
    [
      ['--check', 'eval=test/fixtures/checks/eval-wrong-type.json'],
      /--check eval=.*eval-wrong-type\.json: values\.task_success: must be a finite number, got string "high"/,
    ],
    [['--check', 'eval=test/fixtures/checks/missing.json'], /--check eval=.*missing\.json: cannot read it: ENOENT/],
    [['--check', 'eval'], /--check: expected NAME=FILE/],
    [['--output', 'html'], /--output: expected "json", "text" or "gate", got "html"/],
  ])('refuses %j with exit 2 and a clear message', async (extra, message) => {
    const run = await analyzeAgent(extra);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
  });
});

describe('analyze: one judgement', () => {
  it('answers promote for a healthy canary and explains the conditions', async () => {
    const run = await runCanaryd([
      'analyze',
      '--template',
      'analysis-templates/http-service.yaml',
      '--source-url',
      prometheus.url,
      '--arg',
      'service=healthy',
      '--at',
      at(30),
      '--output',
      'json',
    ]);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.verdict).toBe('promote');
    expect(report.ticks).toHaveLength(1);
    expect(report.ticks[0]?.conditions.length).toBeGreaterThan(0);
  });

  it('answers abort (exit 1) for a failing canary, with a readable text timeline', async () => {
    const run = await runCanaryd([
      'analyze',
      '--template',
      'analysis-templates/http-service.yaml',
      '--source-url',
      prometheus.url,
      '--arg',
      'service=failing',
      '--at',
      at(30),
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('ABORT');
    expect(run.stdout).toContain('error-spike');
  });

  it('is a runtime failure (exit 4) naming the source when Prometheus is unreachable', async () => {
    const run = await runCanaryd([
      'analyze',
      '--template',
      'analysis-templates/http-service.yaml',
      '--source-url',
      'http://127.0.0.1:9',
      '--arg',
      'service=healthy',
      '--at',
      at(30),
    ]);
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/unreachable|ECONNREFUSED|refused/i);
    expect(run.stderr).toContain('127.0.0.1:9');
    expect(run.stdout).toBe('');
  });

  it('keeps an injection attempt inside its label value: no series match, so hold (exit 3), never promote', async () => {
    const run = await runCanaryd([
      'analyze',
      '--template',
      'analysis-templates/http-service.yaml',
      '--source-url',
      prometheus.url,
      '--arg',
      'service=healthy"} or vector(1) or {service="healthy',
      '--at',
      at(30),
      '--output',
      'json',
    ]);
    expect(run.code).toBe(3);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.rule?.id).toBe('telemetry-missing');
    const query = (report.ticks[0]?.metrics[0] as unknown as { queries: { canary: string } } | undefined)?.queries.canary;
    expect(query).toContain('service="healthy\\"} or vector(1) or {service=\\"healthy"');
  });

  it('refuses a missing template argument with exit 2', async () => {
    const run = await runCanaryd(['analyze', '--template', 'analysis-templates/http-service.yaml', '--source-url', prometheus.url, '--at', at(30)]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('service');
  });
});
