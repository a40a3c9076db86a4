// `canaryd serve` as a process against a real Prometheus scraping live traffic (issue 9): an eval
// check posted below 0.85 blocks the promotion, one above lets it promote; the releases of the
// service read back newest first; a rollback to a named version calls the webhook receiver with
// toVersion, actor and reason, signed and keyed like every call, and is part of the trail.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAnalysis, getEvents, requestJson, TERMINAL_PHASES, trailProblems, waitForAnalysis, type AnalysisView } from './api-client.js';
import { startDaemon, type DaemonProcess } from './daemon-harness.js';
import { fastTemplateYaml, FAST_STEPS } from './fast-template.js';
import { waitFor } from './polling.js';
import { hookProblems, waitForHook } from './recording-receiver.js';
import { ADAPTER, healthyService, startTrafficStack, writeDaemonConfig, type TrafficStack } from './traffic-stack.js';

const TEMPLATE = 'e2e-checked';
const SERVICE = 'agent';
const ENVIRONMENT = 'e2e';
const END_TIMEOUT_MS = 45_000;
const MIN_DURATION_MS = 3_000;
const EVAL_RULE = 'checks.eval.task_success >= 0.85';

/** The e2e template with an eval check its promote rule reads, and owners for the gate report. */
function checkedTemplateYaml(): string {
  return fastTemplateYaml({ name: TEMPLATE })
    .replace('  description:', '  owners: { release: release-managers, evals: ml-evals }\n  description:')
    .replace('  rules:\n', '  checks:\n    - name: eval\n      fields: { task_success: number, pii_leakage: number }\n      maxAge: 1h\n  rules:\n')
    .replace('        when: error_rate.canary <= 5%', `        when: [error_rate.canary <= 5%, "${EVAL_RULE}", checks.eval.pii_leakage == 0]`);
}

type Gate = {
  gate_id: string;
  decision: string;
  owners: Record<string, string>;
  blockers: Record<string, { target_gte?: number; value: unknown; pass: boolean | null }>;
  window: { end: string } | null;
};
type Release = {
  id: string;
  version: string;
  artifact: string | null;
  previousVersion: string | null;
  phase: string;
  decision: { decision: string } | null;
  checks: Record<string, { values: Record<string, unknown> }>;
};
type Judged = {
  step: number;
  stepStartedAt: string;
  lastVerdict: { conditions: Array<{ text: string; truth: string; observed: Array<{ ref: string; value: unknown }> }> } | null;
};
type Rollback = { id: string; toVersion: string; fromVersion: string; reason: string; actor: string; analysisId: string; status: string };

describe('canaryd serve: checks, release records and rollback against live traffic', () => {
  let stack: TrafficStack;
  let daemon: DaemonProcess;

  async function create(version: string, extra: Record<string, unknown> = {}): Promise<AnalysisView> {
    const answer = await requestJson<AnalysisView>('POST', `${daemon.url}/v1/analyses`, {
      template: TEMPLATE,
      args: { service: SERVICE },
      mode: 'drive',
      adapter: ADAPTER,
      target: { service: SERVICE, environment: ENVIRONMENT, version },
      ...extra,
    });
    if (answer.status !== 201) throw new Error(`creating ${version}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  }

  const postEval = (id: string, taskSuccess: number) =>
    requestJson<{ check: unknown }>('POST', `${daemon.url}/v1/analyses/${id}/checks/eval`, {
      values: { task_success: taskSuccess, pii_leakage: 0 },
      source: `eval-run ${taskSuccess}`,
      digest: 'sha256:0f1e2d',
    });

  const gateOf = async (id: string) => (await requestJson<Gate>('GET', `${daemon.url}/v1/analyses/${id}/gate`)).body;

  beforeAll(async () => {
    stack = await startTrafficStack([healthyService(SERVICE)]);
    const config = await writeDaemonConfig({
      dir: stack.dir,
      prometheusUrl: stack.prometheus.url,
      receiverUrl: stack.receiver.url,
      secretFile: stack.secretFile,
    });
    await writeFile(join(config.templatesDir, `${TEMPLATE}.yaml`), checkedTemplateYaml());
    daemon = await startDaemon(config.file, { url: config.url });
  });

  afterAll(async () => {
    await daemon?.stop();
    await stack?.stop();
  });

  let first: AnalysisView;
  let second: AnalysisView;

  it('an eval below 0.85 blocks the promotion past minDuration; the gate report says block', async () => {
    first = await create('v1', { artifact: 'sha256:aaa111' });
    const posted = await postEval(first.id, 0.7);
    expect(posted.status).toBe(200);
    // A verdict judged after minDuration with healthy traffic: it would have promoted but for the eval.
    const gate = await waitFor(
      'a gate report judged past minDuration',
      async () => {
        const report = await gateOf(first.id);
        const end = report.window === null ? Number.NaN : Date.parse(report.window.end);
        const view = (await requestJson<Judged>('GET', `${daemon.url}/v1/analyses/${first.id}`)).body;
        return end >= Date.parse(view.stepStartedAt) + MIN_DURATION_MS + 1_000 && report.blockers['error_rate.canary <= 5%']?.pass === true
          ? report
          : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    expect(gate.decision).toBe('block');
    expect(gate.blockers[EVAL_RULE]).toEqual({ target_gte: 0.85, value: 0.7, pass: false });
    expect(gate.owners).toEqual({ release: 'release-managers', evals: 'ml-evals' });
    const view = await getAnalysis(daemon.url, first.id);
    expect(view.step).toBe(0);
    expect(stack.receiver.hooksFor(first.id).map((hook) => hook.body.action)).toEqual(['set-weight']);
  });

  it('an eval above 0.85 lets it promote through every step', async () => {
    expect((await postEval(first.id, 0.91)).status).toBe(200);
    const end = await waitForAnalysis(daemon.url, first.id, 'to end', (view) => TERMINAL_PHASES.has(view.phase), { timeoutMs: END_TIMEOUT_MS });
    expect(end.phase).toBe('succeeded');
    await waitForHook(stack.receiver, first.id, 'complete');
    expect(stack.receiver.hooksFor(first.id).map((hook) => [hook.body.action, hook.body.weight])).toEqual([
      ['set-weight', FAST_STEPS[0]],
      ['set-weight', FAST_STEPS[1]],
      ['set-weight', FAST_STEPS[2]],
      ['complete', FAST_STEPS[2]],
    ]);
    const judged = (await requestJson<Judged>('GET', `${daemon.url}/v1/analyses/${first.id}`)).body;
    expect(judged.lastVerdict?.conditions.find((condition) => condition.text === EVAL_RULE)).toMatchObject({
      truth: 'true',
      observed: [{ ref: 'checks.eval.task_success', value: 0.91 }],
    });
    expect((await gateOf(first.id)).decision).toBe('allow_promotion_to_next_stage');
    const events = await getEvents(daemon.url, first.id);
    expect(events.filter((event) => event.type === 'check').map((event) => event.payload['values'])).toEqual([
      { task_success: 0.7, pii_leakage: 0 },
      { task_success: 0.91, pii_leakage: 0 },
    ]);
    expect(trailProblems(events)).toEqual([]);
  });

  it('refuses evidence with a field the check does not declare (400 naming it), recording nothing', async () => {
    second = await create('v2', { artifact: 'sha256:bbb222', previousVersion: 'v1' });
    const before = (await getEvents(daemon.url, second.id)).length;
    const answer = await requestJson<{ error: { code: string; field: string } }>('POST', `${daemon.url}/v1/analyses/${second.id}/checks/eval`, {
      values: { task_success: 0.9, pii_leakage: 0, jailbreaks: 1 },
      source: 'eval-run x',
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'invalid-request', field: 'values.jailbreaks' });
    expect(await getEvents(daemon.url, second.id)).toHaveLength(before);
  });

  it('lists the releases of the service newest first, with artifact, decision and checks', async () => {
    const answer = await requestJson<{ releases: Release[]; nextCursor: string | null }>(
      'GET',
      `${daemon.url}/v1/releases?service=${SERVICE}&environment=${ENVIRONMENT}`,
    );
    expect(answer.status).toBe(200);
    expect(answer.body.releases.map((release) => [release.id, release.version])).toEqual([
      [second.id, 'v2'],
      [first.id, 'v1'],
    ]);
    expect(answer.body.nextCursor).toBeNull();
    expect(answer.body.releases[0]).toMatchObject({ artifact: 'sha256:bbb222', previousVersion: 'v1' });
    expect(answer.body.releases[1]).toMatchObject({ artifact: 'sha256:aaa111', phase: 'succeeded', decision: { decision: 'complete' } });
    expect(answer.body.releases[1]?.checks['eval']?.values).toEqual({ task_success: 0.91, pii_leakage: 0 });
  });

  it('rolls back to a named version: the webhook receiver gets rollback with toVersion, actor and reason', async () => {
    const reason = 'p95 latency regression seen by support';
    const answer = await requestJson<{ rollback: Rollback }>('POST', `${daemon.url}/v1/releases/rollback`, {
      service: SERVICE,
      environment: ENVIRONMENT,
      toVersion: 'v1',
      reason,
    });
    expect(answer.status).toBe(202);
    expect(answer.body.rollback).toMatchObject({ fromVersion: 'v2', toVersion: 'v1', reason, actor: 'anonymous', analysisId: second.id, status: 'pending' });
    const hook = await waitForHook(stack.receiver, second.id, 'rollback');
    expect(hook.body).toMatchObject({ action: 'rollback', toVersion: 'v1', actor: 'anonymous', reason, rule: { id: 'manual', group: 'builtin' } });
    expect(hookProblems(hook)).toEqual([]);
    expect(hook.upstreamStatus).toBe(200);
    const record = await waitFor(
      'the rollback to be done',
      async () => {
        const release = (await requestJson<{ rollbacks: Rollback[] }>('GET', `${daemon.url}/v1/releases/${second.id}`)).body;
        return release.rollbacks[0]?.status === 'done' ? release : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    expect(record.rollbacks).toEqual([{ ...answer.body.rollback, status: 'done' }]);
    const events = await getEvents(daemon.url, second.id);
    expect(events.find((event) => event.type === 'release-rollback')?.payload).toMatchObject({
      toVersion: 'v1',
      reason,
      idempotencyKey: hook.body.idempotencyKey,
    });
    expect(trailProblems(events)).toEqual([]);
  });

  it('answers 404 naming a version never released for the service, calling nothing', async () => {
    const answer = await requestJson<{ error: { code: string; message: string; field: string } }>('POST', `${daemon.url}/v1/releases/rollback`, {
      service: SERVICE,
      environment: ENVIRONMENT,
      toVersion: 'v0',
      reason: 'typo',
    });
    expect(answer.status).toBe(404);
    expect(answer.body.error).toMatchObject({
      code: 'not-found',
      field: 'toVersion',
      message: `version v0 was never released for ${SERVICE} in ${ENVIRONMENT} (released: v2, v1)`,
    });
    expect(stack.receiver.hooks().filter((hook) => hook.body.action === 'rollback' && hook.body.toVersion !== undefined)).toHaveLength(1);
  });
});
