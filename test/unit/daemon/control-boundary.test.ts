// The control boundary inside the daemon (fakes, manual clock): DENY, the principal as actor,
// environments, freezes, pinned templates, idempotent create, resume after adapter-failed.

import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../../src/store/memory.js';
import { verifyEventChain } from '../../../src/store/types.js';
import { ALICE, ARGO, CREATE, NO_MANUAL_PROMOTE, principal, PROD, refusal, started } from './control-fixtures.js';
import { daemonTemplate, FAILING, MINUTE, testDaemon } from './daemon-fixtures.js';

describe('DENY', () => {
  it('a denied manual action answers policy-denied and changes nothing', async () => {
    const t = await started([NO_MANUAL_PROMOTE]);
    const view = await t.daemon.service.create(CREATE, { principal: ARGO });
    const refused = await refusal(() =>
      t.daemon.service.act(view.id, { action: 'promote', reason: 'ship it', actor: 'release-manager@corp (approved)' }, { principal: ALICE }),
    );
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
    const refused = await refusal(() =>
      t.daemon.service.act(view.id, { action: 'pause', reason: '', actor: 'x' }, { principal: principal('stager', ['staging']) }),
    );
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
    expect((await t.store.listEvents(held.id)).at(-1)).toMatchObject({
      type: 'action-refused',
      payload: { action: 'manual-promote', reason: 'frozen', freezeId: freeze.id, actor: 'alice' },
    });

    await t.daemon.control.liftFreeze(freeze.id, ALICE);
    await t.scheduler.advance(MINUTE);
    await t.daemon.idle();
    expect((await t.daemon.service.get(held.id)).step).toBe(1);
    await t.daemon.control.createFreeze({ reason: 'everything' }, ALICE);
    t.source.values = FAILING;
    await t.scheduler.advance(MINUTE);
    await t.daemon.idle();
    expect((await t.daemon.service.get(held.id)).phase).toBe('aborted');
    expect(t.adapter.requests.filter((request) => request.analysisId === held.id).map((r) => `${r.action}:${r.weight}`)).toEqual([
      'set-weight:10',
      'set-weight:50',
      'rollback:50',
    ]);
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

    const edited = daemonTemplate({
      steps: [
        { weight: 1, minDurationMs: 0, maxDurationMs: null },
        { weight: 100, minDurationMs: 0, maxDurationMs: null },
      ],
    });
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
    expect(
      (await refusal(() => t.daemon.service.create({ ...CREATE, target: { ...PROD, version: 'v3' } }, { principal: ARGO, idempotencyKey: 'deploy-123' }))).code,
    ).toBe('idempotency-key-reused');
  });

  it('complete is never sent while the last set-weight has not succeeded', async () => {
    const t = await started([]);
    const view = await t.daemon.service.create(CREATE, { principal: ARGO });
    t.adapter.fail = (request) => request.action === 'set-weight' && request.weight === 100;
    await t.scheduler.advance(4 * MINUTE);
    await t.daemon.idle();
    expect(await t.daemon.service.get(view.id)).toMatchObject({ phase: 'paused', step: 2 });
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
