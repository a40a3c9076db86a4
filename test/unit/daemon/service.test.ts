import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../src/analysis/errors.js';
import type { CreateAnalysisRequest } from '../../../src/daemon/service-types.js';
import { verifyEventChain } from '../../../src/store/types.js';
import { MINUTE, T0, TARGET, testDaemon, type TestDaemon } from './daemon-fixtures.js';

const DRIVE: CreateAnalysisRequest = { template: 'web', args: { service: 'checkout' }, mode: 'drive', adapter: 'deployer', target: TARGET };

async function started(): Promise<TestDaemon> {
  const t = testDaemon();
  await t.daemon.start();
  return t;
}

async function refusal(run: () => Promise<unknown>): Promise<{ code: string; field: string | undefined; message: string }> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    const domain = error as DomainError;
    return { code: domain.code, field: domain.field, message: domain.message };
  }
  throw new Error('expected a DomainError');
}

describe('service.create', () => {
  it('records the analysis, its created event and the first set-weight call in one write', async () => {
    const t = await started();
    const view = await t.daemon.service.create(DRIVE);
    expect(view).toMatchObject({ template: 'web', mode: 'drive', adapter: 'deployer', phase: 'running', step: 0, steps: 3, weight: 10 });
    expect(view.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(view.startedAt).toBe(new Date(T0).toISOString());
    const events = await t.store.listEvents(view.id);
    expect(events.map((event) => event.type)).toEqual(['created']);
    expect(events[0]?.payload).toMatchObject({
      template: 'web',
      args: { service: 'checkout' },
      mode: 'drive',
      adapter: 'deployer',
      target: TARGET,
      weight: 10,
    });
    const calls = await t.store.callsFor(view.id);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.request).toMatchObject({ action: 'set-weight', step: 0, weight: 10, rule: null, target: TARGET });
    await t.daemon.idle();
    expect((await t.store.callsFor(view.id))[0]?.status).toBe('done');
  });

  it('answers the verdict "continue" before the first tick', async () => {
    const t = await started();
    const { id } = await t.daemon.service.create(DRIVE);
    const verdict = await t.daemon.service.verdict(id);
    expect(verdict).toMatchObject({ verdict: 'continue', phase: 'running', step: 0, weight: 10, rule: null, evidenceHash: null, at: null });
    expect(verdict.reason).toMatch(/no judgement yet/);
  });

  it.each([
    [{ ...DRIVE, template: 'nope' }, 'unknown-template', 'template'],
    [{ ...DRIVE, adapter: undefined }, 'unknown-adapter', 'adapter'],
    [{ ...DRIVE, adapter: 'other' }, 'unknown-adapter', 'adapter'],
    [{ ...DRIVE, mode: 'observe' as const }, 'invalid-request', 'adapter'],
    [{ ...DRIVE, mode: 'steer' as unknown as 'drive' }, 'invalid-mode', 'mode'],
    [{ ...DRIVE, args: {} }, 'missing-argument', 'args.service'],
    [{ ...DRIVE, args: { service: 'a', colour: 'red' } }, 'missing-argument', 'args.colour'],
    [{ ...DRIVE, target: { ...TARGET, version: '' } }, 'invalid-request', 'target.version'],
  ])('refuses %j with %s on %s', async (request, code, field) => {
    const t = await started();
    expect(await refusal(() => t.daemon.service.create(request))).toMatchObject({ code, field });
    expect(await t.store.listAnalyses()).toEqual([]);
  });

  it('names what is known in its refusals', async () => {
    const t = await started();
    expect((await refusal(() => t.daemon.service.create({ ...DRIVE, template: 'nope' }))).message).toMatch(/loaded: web/);
    expect((await refusal(() => t.daemon.service.create({ ...DRIVE, adapter: 'x' }))).message).toMatch(/configured: deployer/);
  });

  it('refuses requests before start (recovery not done yet)', async () => {
    const t = testDaemon();
    expect(await refusal(() => t.daemon.service.create(DRIVE))).toMatchObject({ code: 'store-unavailable' });
    expect(await t.daemon.service.ready()).toMatchObject({ ready: false });
    await t.daemon.start();
    expect(await t.daemon.service.ready()).toEqual({ ready: true });
  });
});

describe('service reads', () => {
  it('lists by phase, and answers not-found for unknown ids', async () => {
    const t = await started();
    const a = await t.daemon.service.create(DRIVE);
    const b = await t.daemon.service.create({ ...DRIVE, mode: 'observe', adapter: undefined });
    await t.daemon.service.act(b.id, { action: 'pause', actor: 'alice', reason: '' });
    expect((await t.daemon.service.list({})).map((view) => view.id)).toEqual([a.id, b.id]);
    expect((await t.daemon.service.list({ phase: 'paused' })).map((view) => view.id)).toEqual([b.id]);
    for (const read of [() => t.daemon.service.get('x'), () => t.daemon.service.verdict('x'), () => t.daemon.service.events('x')]) {
      expect(await refusal(read)).toMatchObject({ code: 'not-found' });
    }
  });

  it('reports not ready when the store fails', async () => {
    const t = await started();
    await t.store.close();
    const ready = await t.daemon.service.ready();
    expect(ready.ready).toBe(false);
    expect(ready.reason).toMatch(/store/);
  });
});

describe('service.act', () => {
  it('records a manual pause with rule manual, the actor and the reason, and tells the adapter', async () => {
    const t = await started();
    const { id } = await t.daemon.service.create(DRIVE);
    t.clock.advance(30_000);
    const view = await t.daemon.service.act(id, { action: 'pause', actor: 'alice', reason: 'incident 42' });
    await t.daemon.idle();
    expect(view.phase).toBe('paused');
    expect(view.lastVerdict).toMatchObject({ action: 'hold', rule: { id: 'manual', group: 'builtin' } });
    expect(view.lastVerdict?.reason).toMatch(/alice.*incident 42/);
    const events = await t.store.listEvents(id);
    const manual = events.find((event) => event.type === 'manual-action');
    expect(manual?.payload).toMatchObject({ action: 'pause', actor: 'alice', reason: 'incident 42', evidenceHash: view.lastVerdict?.evidenceHash });
    const decision = events.find((event) => event.type === 'decision');
    expect(decision?.payload).toMatchObject({ decision: 'pause', rule: { id: 'manual' } });
    expect(t.adapter.actions()).toEqual(['set-weight:10', 'pause:10']);
    expect(await t.daemon.service.verdict(id)).toMatchObject({ verdict: 'hold', rule: { id: 'manual', group: 'builtin' } });
    expect(verifyEventChain(events)).toEqual({ ok: true });
  });

  it('promotes and aborts on request; ticks go on after a resume', async () => {
    const t = await started();
    const { id } = await t.daemon.service.create(DRIVE);
    await t.daemon.service.act(id, { action: 'pause', actor: 'alice', reason: '' });
    await t.scheduler.advance(5 * MINUTE);
    expect((await t.store.listEvents(id)).some((event) => event.type === 'tick')).toBe(false);
    await t.daemon.service.act(id, { action: 'resume', actor: 'alice', reason: '' });
    t.source.values = { ...t.source.values, requests: { baseline: 1000, canary: 100 } }; // held by low-traffic
    await t.scheduler.advance(MINUTE);
    expect((await t.daemon.service.verdict(id)).rule).toEqual({ id: 'low-traffic', group: 'hold' });
    expect((await t.store.listEvents(id)).some((event) => event.type === 'tick')).toBe(true);
    const promoted = await t.daemon.service.act(id, { action: 'promote', actor: 'bob', reason: 'looks good' });
    expect(promoted).toMatchObject({ step: 1, weight: 50 });
    const aborted = await t.daemon.service.act(id, { action: 'abort', actor: 'carol', reason: 'changed my mind' });
    await t.daemon.idle();
    expect(aborted.phase).toBe('aborted');
    expect(aborted.decidedBy).toEqual({ id: 'manual', group: 'builtin' });
    expect(t.adapter.actions()).toEqual(['set-weight:10', 'pause:10', 'resume:10', 'set-weight:50', 'rollback:50']);
  });

  it('refuses an action the phase does not allow, and bad input', async () => {
    const t = await started();
    const { id } = await t.daemon.service.create(DRIVE);
    expect(await refusal(() => t.daemon.service.act(id, { action: 'resume', actor: 'alice', reason: '' }))).toMatchObject({ code: 'invalid-transition' });
    expect(await refusal(() => t.daemon.service.act(id, { action: 'pause', actor: ' ', reason: '' }))).toMatchObject({
      code: 'invalid-request',
      field: 'actor',
    });
    expect(await refusal(() => t.daemon.service.act(id, { action: 'jump' as 'pause', actor: 'a', reason: '' }))).toMatchObject({ field: 'action' });
    expect(await refusal(() => t.daemon.service.act('missing', { action: 'pause', actor: 'a', reason: '' }))).toMatchObject({ code: 'not-found' });
  });
});
