// The control boundary inside the daemon (fakes, manual clock): policies gate every action,
// approvals bind exactly the approved call, expiry and rejection pause, freezes hold, templates
// are pinned, creation is idempotent, resume re-sends the failed call.

import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../src/analysis/errors.js';
import type { Policy, Principal } from '../../../src/control/types.js';
import { createControlContext } from '../../../src/daemon/control-context.js';
import type { CreateAnalysisRequest } from '../../../src/daemon/service-types.js';
import { createMemoryStore } from '../../../src/store/memory.js';
import { verifyEventChain } from '../../../src/store/types.js';
import { daemonTemplate, FAILING, MINUTE, T0, testDaemon, type TestDaemon } from './daemon-fixtures.js';

const PROD = { service: 'checkout', environment: 'production', version: 'v2' };
const CREATE: CreateAnalysisRequest = { template: 'web', args: { service: 'checkout' }, mode: 'drive', adapter: 'deployer', target: PROD };

const principal = (name: string, environments: string[] | null = null): Principal => ({ name, scopes: ['read', 'analyses:create', 'actions', 'approve', 'admin'], environments });
const ARGO = principal('argo-rollouts');
const ALICE = principal('alice');
const CAROL = principal('carol');

const APPROVE_ADVANCES: Policy = {
  id: 'prod-advance-needs-approval',
  match: { environment: ['production'], action: ['set-weight', 'complete'] },
  decision: 'REQUIRE_APPROVAL',
  approvers: ['alice', 'ops-admin'],
  expiresMs: 15 * MINUTE,
};
const NO_MANUAL_PROMOTE: Policy = {
  id: 'no-manual-promote-in-prod',
  match: { environment: ['production'], action: ['manual-promote'] },
  decision: 'DENY',
  approvers: [],
  expiresMs: 15 * MINUTE,
  reason: 'production advances only through the analysis',
};

async function started(policies: Policy[], options: Parameters<typeof testDaemon>[0] = {}): Promise<TestDaemon> {
  const t = testDaemon({ ...options, control: createControlContext(policies, true) });
  await t.daemon.start();
  return t;
}

async function refusal(run: () => Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return { code: (error as DomainError).code, message: (error as DomainError).message };
  }
  throw new Error('expected a DomainError');
}

async function pendingApproval(t: TestDaemon) {
  const [approval, ...others] = await t.daemon.control.listApprovals('pending');
  expect(others).toEqual([]);
  if (approval === undefined) throw new Error('no pending approval');
  return approval;
}

describe('REQUIRE_APPROVAL', () => {
  it('holds the first set-weight until another principal approves; exactly that call is made, with its evidence in the key', async () => {
    const t = await started([APPROVE_ADVANCES, NO_MANUAL_PROMOTE]);
    const view = await t.daemon.service.create(CREATE, { principal: ARGO });
    expect(view).toMatchObject({ phase: 'awaiting-approval', createdBy: 'argo-rollouts' });
    await t.daemon.idle();
    expect(t.adapter.requests).toEqual([]);
    expect((await t.daemon.service.verdict(view.id)).verdict).toBe('hold');

    const approval = await pendingApproval(t);
    expect(approval).toMatchObject({ analysisId: view.id, action: 'set-weight', fromWeight: 0, toWeight: 10, policyId: 'prod-advance-needs-approval', requestedBy: 'argo-rollouts', state: 'pending' });
    expect(approval.expiresAt).toBe(new Date(T0 + 15 * MINUTE).toISOString());
    expect(approval.packet).toMatchObject({ action: 'set-weight', environment: 'production', service: 'checkout', current: { weight: 0 }, proposed: { weight: 10 } });
    expect(approval.packet.adapterCall?.idempotencyKey).toBe(`${view.id}:0:set-weight:${approval.evidenceHash}`);
    expect(approval.packet.undo).toContain('abort');

    expect((await refusal(() => t.daemon.control.decideApproval(approval.id, { decision: 'approve', reason: '' }, ARGO))).code).toBe('self-approval');
    expect((await refusal(() => t.daemon.control.decideApproval(approval.id, { decision: 'approve', reason: '' }, CAROL))).code).toBe('forbidden');
    expect((await refusal(() => t.daemon.control.decideApproval('nope', { decision: 'approve', reason: '' }, ALICE))).code).toBe('not-found');
    expect(t.adapter.requests).toEqual([]);

    const decided = await t.daemon.control.decideApproval(approval.id, { decision: 'approve', reason: 'checked the dashboards' }, ALICE);
    expect(decided).toMatchObject({ state: 'approved', decidedBy: 'alice' });
    await t.daemon.idle();
    expect(t.adapter.requests.map((request) => request.idempotencyKey)).toEqual([`${view.id}:0:set-weight:${approval.evidenceHash}`]);
    expect((await t.daemon.service.get(view.id)).phase).toBe('running');
    expect((await refusal(() => t.daemon.control.decideApproval(approval.id, { decision: 'approve', reason: '' }, ALICE))).code).toBe('approval-decided');

    // The next advance, decided by a tick, waits again and binds that tick's evidence.
    await t.scheduler.advance(2 * MINUTE);
    await t.daemon.idle();
    const second = await pendingApproval(t);
    const waiting = await t.daemon.service.get(view.id);
    expect(waiting).toMatchObject({ phase: 'awaiting-approval', step: 0, approval: { id: second.id } });
    expect(second).toMatchObject({ action: 'set-weight', fromWeight: 10, toWeight: 50, requestedBy: 'canaryd' });
    expect(second.evidenceHash).toBe(waiting.lastVerdict?.evidenceHash);
    // It keeps judging while it waits; the request stands.
    await t.scheduler.advance(2 * MINUTE);
    await t.daemon.idle();
    expect((await pendingApproval(t)).id).toBe(second.id);
    expect(t.adapter.requests).toHaveLength(1);
    await t.daemon.control.decideApproval(second.id, { decision: 'approve', reason: '' }, ALICE);
    await t.daemon.idle();
    expect(t.adapter.requests.map((request) => request.idempotencyKey)).toEqual([
      `${view.id}:0:set-weight:${approval.evidenceHash}`,
      `${view.id}:1:set-weight:${second.evidenceHash}`,
    ]);

    const events = await t.store.listEvents(view.id);
    expect(verifyEventChain(events)).toEqual({ ok: true });
    const policyEvents = events.filter((event) => event.type === 'policy-decision');
    expect(policyEvents[0]?.payload).toMatchObject({ action: 'set-weight', policyId: 'prod-advance-needs-approval', decision: 'REQUIRE_APPROVAL', policySetHash: t.daemon.context.control.policySetHash, actor: 'argo-rollouts' });
    expect(t.daemon.context.control.policySetHash).toMatch(/^[0-9a-f]{64}$/);
    expect(events.filter((event) => event.type === 'approval-approved').map((event) => event.payload.actor)).toEqual(['alice', 'alice']);
  });

  it('expires: the analysis pauses with rule approval-expired and nothing is called', async () => {
    const t = await started([APPROVE_ADVANCES]);
    const view = await t.daemon.service.create(CREATE, { principal: ARGO });
    const approval = await pendingApproval(t);
    await t.scheduler.advance(15 * MINUTE);
    await t.daemon.idle();
    const paused = await t.daemon.service.get(view.id);
    expect(paused.phase).toBe('paused');
    expect(paused.lastVerdict?.rule).toEqual({ id: 'approval-expired', group: 'builtin' });
    expect((await t.daemon.control.listApprovals()).map((a) => a.state)).toEqual(['expired']);
    expect(t.adapter.requests).toEqual([]);
    expect((await refusal(() => t.daemon.control.decideApproval(approval.id, { decision: 'approve', reason: '' }, ALICE))).code).toBe('approval-expired');
  });

  it('rejection: the advance does not happen and the analysis pauses with rule approval-rejected', async () => {
    const t = await started([{ ...APPROVE_ADVANCES, match: { environment: ['production'], action: ['complete'] } }]);
    const view = await t.daemon.service.create(CREATE, { principal: ARGO });
    await t.scheduler.advance(4 * MINUTE);
    await t.daemon.idle();
    expect((await t.daemon.service.get(view.id)).step).toBe(2);
    await t.scheduler.advance(2 * MINUTE);
    await t.daemon.idle();
    const approval = await pendingApproval(t);
    expect(approval.action).toBe('complete');
    await t.daemon.control.decideApproval(approval.id, { decision: 'reject', reason: 'not on a Friday' }, ALICE);
    await t.daemon.idle();
    const paused = await t.daemon.service.get(view.id);
    expect(paused.phase).toBe('paused');
    expect(paused.lastVerdict?.rule?.id).toBe('approval-rejected');
    expect(t.adapter.actions()).toEqual(['set-weight:10', 'set-weight:50', 'set-weight:100', 'pause:100']);
    expect((await refusal(() => t.daemon.control.decideApproval(approval.id, { decision: 'approve', reason: '' }, ALICE))).code).toBe('approval-decided');
  });

  it('an abort while waiting still aborts and cancels the request', async () => {
    const t = await started([{ ...APPROVE_ADVANCES, match: { action: ['complete'] } }]);
    const view = await t.daemon.service.create({ ...CREATE, target: { ...PROD, environment: 'staging' } }, { principal: ARGO });
    await t.scheduler.advance(6 * MINUTE);
    await t.daemon.idle();
    expect((await t.daemon.service.get(view.id)).phase).toBe('awaiting-approval');
    t.source.values = FAILING;
    await t.scheduler.advance(MINUTE);
    await t.daemon.idle();
    expect((await t.daemon.service.get(view.id)).phase).toBe('aborted');
    expect((await t.daemon.control.listApprovals()).map((a) => a.state)).toEqual(['cancelled']);
    expect(t.adapter.actions().at(-1)).toBe('rollback:100');
  });
});

describe('REQUIRE_APPROVAL of a rollback', () => {
  it('waits with one request however many ticks abort, and the approval makes exactly the bound rollback', async () => {
    const t = await started([{ id: 'approve-rollbacks', match: { action: ['rollback'] }, decision: 'REQUIRE_APPROVAL', approvers: ['alice'], expiresMs: 15 * MINUTE }]);
    const view = await t.daemon.service.create(CREATE, { principal: ARGO });
    await t.daemon.idle();
    t.source.values = FAILING;
    await t.scheduler.advance(3 * MINUTE);
    await t.daemon.idle();
    const approval = await pendingApproval(t);
    expect(approval).toMatchObject({ action: 'rollback', fromWeight: 10, toWeight: 0 });
    expect((await t.daemon.service.get(view.id)).phase).toBe('awaiting-approval');
    expect(t.adapter.actions()).toEqual(['set-weight:10']);
    await t.daemon.control.decideApproval(approval.id, { decision: 'approve', reason: 'roll it back' }, ALICE);
    await t.daemon.idle();
    expect((await t.daemon.service.get(view.id)).phase).toBe('aborted');
    expect(t.adapter.requests.map((request) => request.idempotencyKey)).toEqual([expect.stringContaining(':0:set-weight:'), `${view.id}:0:rollback:${approval.evidenceHash}`]);
  });
});

describe('DENY', () => {
  it('a denied manual action answers policy-denied and changes nothing', async () => {
    const t = await started([NO_MANUAL_PROMOTE]);
    const view = await t.daemon.service.create(CREATE, { principal: ARGO });
    const refused = await refusal(() => t.daemon.service.act(view.id, { action: 'promote', reason: 'ship it', actor: 'release-manager@corp (approved)' }, { principal: ALICE }));
    expect(refused.code).toBe('policy-denied');
    expect(refused.message).toContain('production advances only through the analysis');
    expect((await t.daemon.service.get(view.id)).step).toBe(0);
    // Nothing happened, but the trail says who was refused under which policy.
    const trail = await t.store.listEvents(view.id);
    expect(trail.slice(-2).map((event) => [event.type, event.payload.action, event.payload.decision, event.payload.policyId, event.payload.actor])).toEqual([
      ['policy-decision', 'manual-promote', 'DENY', 'no-manual-promote-in-prod', 'alice'],
      ['policy-decision', 'set-weight', 'ALLOW', null, 'alice'],
    ]);
    expect(trail.some((event) => event.type === 'manual-action')).toBe(false);
    expect(verifyEventChain(trail)).toEqual({ ok: true });
  });

  it('a denied analysis decision pauses the analysis with rule policy-denied', async () => {
    const t = await started([{ id: 'no-complete', match: { action: ['complete'] }, decision: 'DENY', approvers: [], expiresMs: MINUTE }]);
    const view = await t.daemon.service.create(CREATE, { principal: ARGO });
    await t.scheduler.advance(6 * MINUTE);
    await t.daemon.idle();
    const paused = await t.daemon.service.get(view.id);
    expect(paused).toMatchObject({ phase: 'paused', step: 2 });
    expect(paused.lastVerdict?.rule?.id).toBe('policy-denied');
    expect(t.adapter.actions()).toEqual(['set-weight:10', 'set-weight:50', 'set-weight:100', 'pause:100']);
  });

  it('the actor of a manual action is the principal, not the body', async () => {
    const t = await started([]);
    const view = await t.daemon.service.create(CREATE, { principal: ARGO });
    await t.daemon.service.act(view.id, { action: 'pause', reason: 'look', actor: 'release-manager@corp (approved)' }, { principal: ALICE });
    const manual = (await t.store.listEvents(view.id)).find((event) => event.type === 'manual-action');
    expect(manual?.payload.actor).toBe('alice');
  });

  it('a principal limited to other environments is forbidden', async () => {
    const t = await started([]);
    const view = await t.daemon.service.create(CREATE, { principal: ARGO });
    const refused = await refusal(() => t.daemon.service.act(view.id, { action: 'pause', reason: '', actor: 'x' }, { principal: principal('stager', ['staging']) }));
    expect(refused.code).toBe('forbidden');
    expect((await refusal(() => t.daemon.service.create(CREATE, { principal: principal('stager', ['staging']) }))).code).toBe('forbidden');
  });
});

describe('freezes', () => {
  it('hold every covered set-weight and complete (rule freeze), let a rollback through, and stop holding once lifted', async () => {
    const t = await started([]);
    const held = await t.daemon.service.create(CREATE, { principal: ARGO });
    const other = await t.daemon.service.create({ ...CREATE, target: { ...PROD, service: 'search' }, args: { service: 'search' } }, { principal: ARGO });
    await t.daemon.idle();
    const freeze = await t.daemon.control.createFreeze({ reason: 'incident 42', scope: { environment: 'production', service: 'checkout' } }, ALICE);
    expect(freeze).toMatchObject({ active: true, createdBy: 'alice' });
    expect((await refusal(() => t.daemon.service.create(CREATE, { principal: ARGO }))).code).toBe('frozen');
    await t.scheduler.advance(2 * MINUTE);
    await t.daemon.idle();
    const frozen = await t.daemon.service.get(held.id);
    expect(frozen).toMatchObject({ phase: 'running', step: 0 });
    expect(frozen.lastVerdict).toMatchObject({ action: 'hold', rule: { id: 'freeze', group: 'builtin' } });
    expect((await t.daemon.service.get(other.id)).step).toBe(1);
    expect((await refusal(() => t.daemon.service.act(held.id, { action: 'promote', reason: '', actor: 'x' }, { principal: ALICE }))).code).toBe('frozen');
    expect((await t.store.listEvents(held.id)).at(-1)).toMatchObject({ type: 'action-refused', payload: { action: 'manual-promote', reason: 'frozen', freezeId: freeze.id, actor: 'alice' } });

    await t.daemon.control.liftFreeze(freeze.id, ALICE);
    await t.scheduler.advance(MINUTE);
    await t.daemon.idle();
    expect((await t.daemon.service.get(held.id)).step).toBe(1);
    await t.daemon.control.createFreeze({ reason: 'everything' }, ALICE);
    t.source.values = FAILING;
    await t.scheduler.advance(MINUTE);
    await t.daemon.idle();
    expect((await t.daemon.service.get(held.id)).phase).toBe('aborted');
    expect(t.adapter.requests.filter((request) => request.analysisId === held.id).map((r) => `${r.action}:${r.weight}`)).toEqual(['set-weight:10', 'set-weight:50', 'rollback:50']);
    const trail = await t.daemon.control.controlEvents();
    expect(trail.map((event) => event.type)).toEqual(['freeze-created', 'freeze-lifted', 'freeze-created']);
    expect(verifyEventChain(trail)).toEqual({ ok: true });
  });
});

describe('pinned templates, idempotent create, resume after adapter-failed', () => {
  it('an analysis keeps the template it was created with across a restart; new ones get the edited one', async () => {
    const store = createMemoryStore();
    const first = testDaemon({ store });
    await first.daemon.start();
    const view = await first.daemon.service.create(CREATE, { principal: ARGO });
    expect(view.templateHash).toMatch(/^[0-9a-f]{64}$/);
    const created = (await store.listEvents(view.id))[0];
    expect(created?.payload.templateHash).toBe(view.templateHash);
    await first.daemon.stop();

    const edited = daemonTemplate({ steps: [{ weight: 1, minDurationMs: 0, maxDurationMs: null }, { weight: 100, minDurationMs: 0, maxDurationMs: null }] });
    const second = testDaemon({ store, template: edited });
    await second.daemon.start();
    const kept = await second.daemon.service.get(view.id);
    expect(kept).toMatchObject({ steps: 3, weight: 10, templateHash: view.templateHash });
    const fresh = await second.daemon.service.create(CREATE, { principal: ARGO });
    expect(fresh.steps).toBe(2);
    expect(fresh.templateHash).not.toBe(view.templateHash);
  });

  it('the same create with one Idempotency-Key gives one analysis; another body with that key is refused', async () => {
    const t = await started([]);
    const one = await t.daemon.service.create(CREATE, { principal: ARGO, idempotencyKey: 'deploy-123' });
    await t.scheduler.advance(2 * MINUTE);
    const again = await t.daemon.service.create(CREATE, { principal: ARGO, idempotencyKey: 'deploy-123' });
    expect(again).toEqual(one);
    expect((await t.daemon.service.get(one.id)).step).toBe(1);
    await t.daemon.idle();
    expect(await t.daemon.service.list({})).toHaveLength(1);
    expect(t.adapter.requests.filter((request) => request.step === 0)).toHaveLength(1);
    expect((await refusal(() => t.daemon.service.create({ ...CREATE, target: { ...PROD, version: 'v3' } }, { principal: ARGO, idempotencyKey: 'deploy-123' }))).code).toBe('idempotency-key-reused');
  });

  it('complete is never sent while the last set-weight has not succeeded', async () => {
    const t = await started([]);
    const view = await t.daemon.service.create(CREATE, { principal: ARGO });
    t.adapter.fail = (request) => request.action === 'set-weight' && request.weight === 100;
    await t.scheduler.advance(4 * MINUTE);
    await t.daemon.idle();
    expect((await t.daemon.service.get(view.id))).toMatchObject({ phase: 'paused', step: 2 });
    await t.daemon.service.act(view.id, { action: 'promote', reason: 'ship it anyway', actor: 'x' }, { principal: ALICE });
    await t.daemon.idle();
    expect(t.adapter.requests.some((request) => request.action === 'complete')).toBe(false);
    const calls = await t.store.callsFor(view.id);
    expect(calls.filter((call) => call.request.action === 'complete').map((call) => call.status)).toEqual(['failed']);
    expect((await t.daemon.service.get(view.id)).phase).toBe('failed');
  });

  it('resume after adapter-failed first re-sends the failed set-weight with the same key; complete only after it succeeded', async () => {
    const t = await started([]);
    const view = await t.daemon.service.create(CREATE, { principal: ARGO });
    await t.daemon.idle();
    t.adapter.fail = (request) => request.action === 'set-weight' && request.step === 1;
    await t.scheduler.advance(2 * MINUTE);
    await t.daemon.idle();
    const paused = await t.daemon.service.get(view.id);
    expect(paused.phase).toBe('paused');
    expect(paused.lastVerdict?.rule?.id).toBe('adapter-failed');
    const failedKey = t.adapter.requests.at(-1)?.idempotencyKey;
    t.adapter.fail = () => false;
    await t.daemon.service.act(view.id, { action: 'resume', reason: 'deployer fixed', actor: 'x' }, { principal: ALICE });
    await t.daemon.idle();
    const keys = t.adapter.requests.map((request) => `${request.action}:${request.idempotencyKey}`);
    expect(keys.slice(-2)).toEqual([`set-weight:${failedKey ?? ''}`, expect.stringMatching(/^resume:/)]);
    await t.scheduler.advance(4 * MINUTE);
    await t.daemon.idle();
    expect((await t.daemon.service.get(view.id)).phase).toBe('succeeded');
    expect(t.adapter.actions().at(-1)).toBe('complete:100');
  });
});
