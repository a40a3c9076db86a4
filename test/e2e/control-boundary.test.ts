// The control boundary with the daemon as a process, a real Prometheus and a webhook receiver:
// tokens and scopes, production advances that wait for another principal's approval, expiry,
// rejection, freezes, SIGKILL while awaiting approval, idempotent create, and no secret anywhere.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/store/types.js';
import { startDaemon, type DaemonProcess } from './daemon-harness.js';
import { trailProblems } from './api-client.js';
import {
  addControl,
  answers,
  call,
  ECHO_TEMPLATE,
  secretFragments,
  startEchoSource,
  type Answer,
  type ControlConfig,
  type EchoSource,
  type PrincipalKey,
} from './control-stack.js';
import { FAST_TEMPLATE } from './fast-template.js';
import { waitFor } from './polling.js';
import { waitForHook } from './recording-receiver.js';
import { ADAPTER, healthyService, startTrafficStack, writeDaemonConfig, type TrafficStack, type WrittenConfig } from './traffic-stack.js';

const SERVICES = ['pay', 'selfish', 'expiring', 'rejected', 'frozen-a', 'frozen-b', 'killed', 'idem', 'staged'];

interface View {
  id: string;
  phase: string;
  step: number;
  weight: number;
  createdBy: string | null;
  templateHash: string | null;
  lastVerdict: { rule: { id: string } | null; evidenceHash: string; action: string } | null;
  approval: { id: string } | null;
}
interface Approval {
  id: string;
  analysisId: string;
  action: string;
  evidenceHash: string;
  state: string;
  requestedBy: string;
  toWeight: number;
  packet: { adapterCall: { idempotencyKey: string } | null; riskFlags: string[]; evidence: { evidenceHash: string } };
}

describe('canaryd serve: the control boundary', () => {
  let stack: TrafficStack;
  let echo: EchoSource;
  let config: WrittenConfig;
  let control: ControlConfig;
  let daemon: DaemonProcess;
  const logs: string[] = [];

  const as = (who: PrincipalKey | null) => (who === null ? null : control.tokens[who]);
  const get = (path: string, who: PrincipalKey | null = 'alice'): Promise<Answer> => call(daemon.url, 'GET', path, as(who));
  const post = (path: string, who: PrincipalKey | null, body: unknown, headers?: Record<string, string>): Promise<Answer> =>
    call(daemon.url, 'POST', path, as(who), body, headers);

  async function create(service: string, environment: string, who: PrincipalKey = 'argo', headers?: Record<string, string>): Promise<View> {
    const answer = await post(
      '/v1/analyses',
      who,
      { template: FAST_TEMPLATE, args: { service }, mode: 'drive', adapter: ADAPTER, target: { service, environment, version: 'v2' } },
      headers,
    );
    if (answer.status !== 201) throw new Error(`create ${service}: ${answer.status} ${answer.text}`);
    return answer.body as unknown as View;
  }
  const view = async (id: string): Promise<View> => (await get(`/v1/analyses/${id}`)).body as unknown as View;
  const pending = async (): Promise<Approval[]> => (await get('/v1/approvals?state=pending')).body.approvals as Approval[];
  const approvalOf = (id: string): Promise<Approval> =>
    waitFor(`a pending approval for ${id}`, async () => (await pending()).find((approval) => approval.analysisId === id), {
      timeoutMs: 10_000,
      intervalMs: 100,
    });
  const waitView = (id: string, what: string, done: (v: View) => boolean, timeoutMs = 20_000): Promise<View> => {
    let last: View | undefined;
    return waitFor(
      `analysis ${id} ${what}`,
      async () => {
        last = await view(id);
        return done(last) ? last : undefined;
      },
      { timeoutMs, intervalMs: 150, lastSeen: () => JSON.stringify(last) },
    );
  };
  const events = async (id: string): Promise<StoredEvent[]> => (await get(`/v1/analyses/${id}/events`)).body.events as StoredEvent[];

  beforeAll(async () => {
    stack = await startTrafficStack(SERVICES.map(healthyService));
    echo = await startEchoSource();
    config = await writeDaemonConfig({ dir: stack.dir, prometheusUrl: stack.prometheus.url, receiverUrl: stack.receiver.url, secretFile: stack.secretFile });
    control = await addControl(config, stack.dir, echo);
    daemon = await startDaemon(config.file, { url: config.url });
  });

  afterAll(async () => {
    if (daemon !== undefined) logs.push(daemon.logs());
    await daemon?.stop();
    await echo?.close();
    await stack?.stop();
  });

  it('anonymous 401, missing scope 403, other environment 403', async () => {
    expect((await get('/v1/analyses', null)).status).toBe(401);
    expect((await get('/v1/analyses', null)).body.error?.code).toBe('unauthenticated');
    const wrong = await call(daemon.url, 'GET', '/v1/analyses', 'not-a-token');
    expect(wrong.status).toBe(401);
    const anonymousCreate = await post('/v1/analyses', null, {
      template: FAST_TEMPLATE,
      args: { service: 'pay' },
      mode: 'observe',
      target: { service: 'pay', environment: 'staging', version: 'v2' },
    });
    expect(anonymousCreate.status).toBe(401);
    expect((await fetch(`${daemon.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${daemon.url}/metrics`)).status).toBe(200);

    const staged = await create('staged', 'production');
    const scope = await post(`/v1/analyses/${staged.id}/actions`, 'argo', { action: 'pause', reason: 'x', actor: 'x' });
    expect(scope.status).toBe(403);
    expect(scope.body.error?.code).toBe('forbidden');
    const environment = await post(`/v1/analyses/${staged.id}/actions`, 'stager', { action: 'abort', reason: 'x', actor: 'x' });
    expect(environment.status).toBe(403);
    expect(environment.body.error?.code).toBe('forbidden');
    expect(environment.body.error?.message).toContain('production');
    const freeze = await post('/v1/freezes', 'alice', { reason: 'not mine to freeze' });
    expect(freeze.status).toBe(403);
    const promote = await post(`/v1/analyses/${staged.id}/actions`, 'alice', { action: 'abort', reason: 'clean up', actor: 'someone else' });
    expect(promote.status).toBe(200);
    const manual = (await events(staged.id)).find((event) => event.type === 'manual-action');
    expect(manual?.payload.actor).toBe('alice');
  });

  it('a production advance waits in awaiting-approval with no webhook; self-approval 403; another approver → exactly one set-weight with the approved evidence', async () => {
    const created = await create('pay', 'production');
    expect(created).toMatchObject({ phase: 'awaiting-approval', createdBy: 'argo-rollouts' });
    expect(created.templateHash).toMatch(/^[0-9a-f]{64}$/);
    const approval = await approvalOf(created.id);
    expect(approval).toMatchObject({ action: 'set-weight', state: 'pending', requestedBy: 'argo-rollouts', toWeight: 10 });
    expect(approval.packet.adapterCall?.idempotencyKey).toBe(`${created.id}:0:set-weight:${approval.evidenceHash}`);
    expect((await get(`/v1/analyses/${created.id}/verdict`)).body.verdict).toBe('hold');
    const denied = await post(`/v1/analyses/${created.id}/actions`, 'alice', { action: 'promote', reason: 'now', actor: 'release-manager@corp (approved)' });
    expect(denied.status).toBe(409);

    // Someone else's analysis: carol created it, so carol may not approve it.
    const selfish = await create('selfish', 'production', 'carol');
    const selfishApproval = await approvalOf(selfish.id);
    const self = await post(`/v1/approvals/${selfishApproval.id}`, 'carol', { decision: 'approve', reason: 'trust me' });
    expect(self.status).toBe(403);
    expect(self.body.error?.code).toBe('self-approval');
    expect((await post(`/v1/approvals/${selfishApproval.id}`, 'argo', { decision: 'approve' })).status).toBe(403);

    expect(stack.receiver.hooksFor(created.id)).toEqual([]);
    const approvedAt = Date.now();
    const decided = await post(`/v1/approvals/${approval.id}`, 'alice', { decision: 'approve', reason: 'dashboards look fine' });
    expect(decided.status).toBe(200);
    expect(decided.body).toMatchObject({ state: 'approved', decidedBy: 'alice' });
    const hook = await waitForHook(stack.receiver, created.id, 'set-weight');
    expect(hook.receivedAt).toBeGreaterThanOrEqual(approvedAt);
    expect(hook.body.idempotencyKey).toBe(`${created.id}:0:set-weight:${approval.evidenceHash}`);
    expect(hook.body.evidenceHash).toBe(approval.evidenceHash);
    expect((await post(`/v1/approvals/${approval.id}`, 'admin', { decision: 'approve' })).body.error?.code).toBe('approval-decided');
    expect((await post('/v1/approvals/unknown-id', 'alice', { decision: 'approve' })).status).toBe(404);

    // The analysis' own promote waits for an approval too, bound to that tick's evidence.
    const next = await approvalOf(created.id);
    expect(next).toMatchObject({ action: 'set-weight', requestedBy: 'canaryd', toWeight: 50 });
    const waiting = await view(created.id);
    expect(waiting).toMatchObject({ phase: 'awaiting-approval', step: 0 });
    expect(stack.receiver.hooksFor(created.id).map((h) => h.body.action)).toEqual(['set-weight']);
    await post(`/v1/approvals/${next.id}`, 'admin', { decision: 'approve' });
    const second = await waitFor('the step-2 set-weight', async () => stack.receiver.hooksFor(created.id).find((h) => h.body.step === 1), {
      timeoutMs: 10_000,
      intervalMs: 50,
    });
    expect(second.body.idempotencyKey).toBe(`${created.id}:1:set-weight:${next.evidenceHash}`);
    expect(stack.receiver.hooksFor(created.id).filter((h) => h.body.action === 'set-weight')).toHaveLength(2);

    const trail = await events(created.id);
    expect(trailProblems(trail)).toEqual([]);
    expect(trail[0]?.payload.templateHash).toBe(created.templateHash);
    const decisions = trail.filter((event) => event.type === 'policy-decision').map((event) => event.payload);
    expect(decisions[0]).toMatchObject({ action: 'set-weight', policyId: 'prod-advance-needs-approval', decision: 'REQUIRE_APPROVAL', actor: 'argo-rollouts' });
    expect(decisions[0]?.policySetHash).toMatch(/^[0-9a-f]{64}$/);
    expect(trail.filter((event) => event.type === 'approval-approved').map((event) => event.payload.actor)).toEqual(['alice', 'ops-admin']);
  });

  it('an approval that expires pauses the analysis (approval-expired); a rejected one pauses it (approval-rejected); nothing is called', async () => {
    const expiring = await create('expiring', 'expiring');
    const expiringApproval = await approvalOf(expiring.id);
    const rejected = await create('rejected', 'production');
    const rejectedApproval = await approvalOf(rejected.id);
    const reject = await post(`/v1/approvals/${rejectedApproval.id}`, 'alice', { decision: 'reject', reason: 'not during the sale' });
    expect(reject.body).toMatchObject({ state: 'rejected', decidedBy: 'alice' });
    const paused = await waitView(rejected.id, 'to pause', (v) => v.phase === 'paused');
    expect(paused.lastVerdict?.rule?.id).toBe('approval-rejected');

    const expired = await waitView(expiring.id, 'to pause on expiry', (v) => v.phase === 'paused', 15_000);
    expect(expired.lastVerdict?.rule?.id).toBe('approval-expired');
    const late = await post(`/v1/approvals/${expiringApproval.id}`, 'alice', { decision: 'approve' });
    expect(late.status).toBe(409);
    expect(late.body.error?.code).toBe('approval-expired');
    expect(stack.receiver.hooksFor(expiring.id)).toEqual([]);
    expect(stack.receiver.hooksFor(rejected.id)).toEqual([]);
  });

  it('a freeze holds every covered analysis (rule freeze) and lets a rollback through', async () => {
    const a = await create('frozen-a', 'staging');
    const b = await create('frozen-b', 'staging');
    await waitForHook(stack.receiver, a.id, 'set-weight');
    await waitForHook(stack.receiver, b.id, 'set-weight');
    const freeze = await post('/v1/freezes', 'admin', { reason: 'incident 4711', scope: { environment: 'staging' } });
    expect(freeze.status).toBe(201);
    const freezeId = String(freeze.body.id);
    for (const id of [a.id, b.id]) {
      const held = await waitView(id, 'to be held by the freeze', (v) => v.lastVerdict?.rule?.id === 'freeze');
      expect(held).toMatchObject({ phase: 'running', step: 0 });
    }
    expect((await get('/v1/freezes')).body.freezes).toEqual([expect.objectContaining({ id: freezeId, active: true, createdBy: 'ops-admin' })]);
    const aborted = await post(`/v1/analyses/${a.id}/actions`, 'alice', { action: 'abort', reason: 'roll back under the freeze', actor: 'x' });
    expect(aborted.status).toBe(200);
    const rollback = await waitForHook(stack.receiver, a.id, 'rollback');
    expect(rollback.body.weight).toBe(10);
    expect(stack.receiver.hooksFor(b.id).map((h) => h.body.action)).toEqual(['set-weight']);
    const lifted = await call(daemon.url, 'DELETE', `/v1/freezes/${freezeId}`, as('admin'));
    expect(lifted.body).toMatchObject({ active: false, liftedBy: 'ops-admin' });
    await waitFor('frozen-b to advance after the lift', async () => stack.receiver.hooksFor(b.id).find((h) => h.body.step === 1), {
      timeoutMs: 15_000,
      intervalMs: 100,
    });
    const trail = (await get('/v1/control/events')).body.events as StoredEvent[];
    expect(trail.map((event) => event.type)).toEqual(['freeze-created', 'freeze-lifted']);
  });

  it('the same create posted twice with one Idempotency-Key gives one analysis', async () => {
    const first = await create('idem', 'staging', 'argo', { 'Idempotency-Key': 'deploy-123' });
    const second = await create('idem', 'staging', 'argo', { 'Idempotency-Key': 'deploy-123' });
    expect(second).toEqual(first);
    const all = (await get('/v1/analyses')).body.analyses as View[];
    expect(all.filter((analysis) => analysis.id === first.id)).toHaveLength(1);
    await waitForHook(stack.receiver, first.id, 'set-weight');
    expect(stack.receiver.hooks().filter((h) => h.body.target.service === 'idem' && h.body.step === 0)).toHaveLength(1);
  });

  it('SIGKILL while awaiting approval: after the restart the request is still pending and nothing was called', async () => {
    const killed = await create('killed', 'production');
    const approval = await approvalOf(killed.id);
    const exit = await daemon.kill('SIGKILL');
    expect(exit.signal).toBe('SIGKILL');
    logs.push(daemon.logs());
    daemon = await startDaemon(config.file, { url: config.url });
    const after = (await pending()).find((candidate) => candidate.analysisId === killed.id);
    expect(after).toMatchObject({ id: approval.id, state: 'pending', evidenceHash: approval.evidenceHash });
    expect((await view(killed.id)).phase).toBe('awaiting-approval');
    expect(stack.receiver.hooksFor(killed.id)).toEqual([]);
    await post(`/v1/approvals/${approval.id}`, 'alice', { decision: 'approve' });
    const hook = await waitForHook(stack.receiver, killed.id, 'set-weight');
    expect(hook.body.idempotencyKey).toBe(`${killed.id}:0:set-weight:${approval.evidenceHash}`);
  });

  it('no token or password, not even a fragment, in logs, events, API answers or /metrics — also when the source echoes Authorization', async () => {
    const echoed = await post('/v1/analyses', 'argo', {
      template: ECHO_TEMPLATE,
      args: { service: 'pay' },
      mode: 'observe',
      target: { service: 'pay', environment: 'staging', version: 'v2' },
    });
    expect(echoed.status).toBe(201);
    const id = String(echoed.body.id);
    const failing = await waitFor(
      'ticks that failed on the echoing source',
      async () => {
        const trail = await events(id);
        const ticks = trail.filter((event) => event.type === 'tick');
        return ticks.length >= 2 ? trail : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    const tickText = JSON.stringify(failing);
    expect(tickText).toContain('authentication failed');

    const texts: string[] = [];
    const analyses = (await get('/v1/analyses')).body.analyses as View[];
    for (const analysis of analyses) texts.push(JSON.stringify(await events(analysis.id)));
    texts.push((await get('/v1/approvals')).text, (await get('/v1/freezes')).text, (await get('/v1/control/events')).text);
    texts.push(await (await fetch(`${daemon.url}/metrics`)).text());
    texts.push(...answers, ...logs, daemon.logs());
    const secrets = [...Object.values(control.tokens), echo.token, stack.secret];
    const all = texts.join('\n');
    expect(all.length).toBeGreaterThan(10_000);
    expect(secretFragments(all, secrets)).toEqual([]);
  });
});
