// Approvals inside the daemon (fakes, manual clock): the approved call is exactly the bound one,
// self-approval and non-approvers are refused, expiry and rejection pause, an abort cancels.

import { describe, expect, it } from 'vitest';
import { verifyEventChain } from '../../../src/store/types.js';
import { ALICE, APPROVE_ADVANCES, ARGO, CAROL, CREATE, NO_MANUAL_PROMOTE, PROD, pendingApproval, refusal, started } from './control-fixtures.js';
import { FAILING, MINUTE, T0 } from './daemon-fixtures.js';

describe('REQUIRE_APPROVAL', () => {
  it('holds the first set-weight until another principal approves; exactly that call is made, with its evidence in the key', async () => {
    const t = await started([APPROVE_ADVANCES, NO_MANUAL_PROMOTE]);
    const view = await t.daemon.service.create(CREATE, { principal: ARGO });
    expect(view).toMatchObject({ phase: 'awaiting-approval', createdBy: 'argo-rollouts' });
    await t.daemon.idle();
    expect(t.adapter.requests).toEqual([]);
    expect((await t.daemon.service.verdict(view.id)).verdict).toBe('hold');

    const approval = await pendingApproval(t);
    expect(approval).toMatchObject({
      analysisId: view.id,
      action: 'set-weight',
      fromWeight: 0,
      toWeight: 10,
      policyId: 'prod-advance-needs-approval',
      requestedBy: 'argo-rollouts',
      state: 'pending',
    });
    expect(approval.expiresAt).toBe(new Date(T0 + 15 * MINUTE).toISOString());
    expect(approval.packet).toMatchObject({
      action: 'set-weight',
      environment: 'production',
      service: 'checkout',
      current: { weight: 0 },
      proposed: { weight: 10 },
    });
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
    expect(policyEvents[0]?.payload).toMatchObject({
      action: 'set-weight',
      policyId: 'prod-advance-needs-approval',
      decision: 'REQUIRE_APPROVAL',
      policySetHash: t.daemon.context.control.policySetHash,
      actor: 'argo-rollouts',
    });
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
    const t = await started([
      { id: 'approve-rollbacks', match: { action: ['rollback'] }, decision: 'REQUIRE_APPROVAL', approvers: ['alice'], expiresMs: 15 * MINUTE },
    ]);
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
    expect(t.adapter.requests.map((request) => request.idempotencyKey)).toEqual([
      expect.stringContaining(':0:set-weight:'),
      `${view.id}:0:rollback:${approval.evidenceHash}`,
    ]);
  });
});
