// POST /v1/analyses/{id}/checks/{name} and checks in rules: evidence validated against spec.checks,
// recorded as a `check` event, read by the next tick (three-valued: never posted or stale is unknown),
// part of the verdict's evidence hash; and GET /v1/analyses/{id}/gate built from that verdict.

import { describe, expect, it } from 'vitest';

import { evidenceHash } from '../../../src/analysis/evidence-hash.js';
import type { TickVerdict } from '../../../src/analysis/types.js';
import { verifyEventChain } from '../../../src/store/types.js';
import { MINUTE } from '../daemon/daemon-fixtures.js';
import { errorOf } from './harness.js';
import { checkedTemplate, startReleaseApi } from './release-harness.js';

const GOOD_EVAL = { values: { task_success: 0.91, pii_leakage: 0, suite: 'nightly' }, source: 'eval-run 2026-12-01/42', digest: 'sha256:4f2a' };
const CLEAN_AGBOM = { values: { high_risk: 0, reviewed: true }, source: 'agbom-diff 17' };

type Gate = {
  gate_id: string;
  decision: string;
  owners: Record<string, string>;
  window: { duration: string; start: string; end: string } | null;
  blockers: Record<string, Record<string, unknown>>;
};

describe('POST /v1/analyses/{id}/checks/{name}', () => {
  it('stores the evidence and appends a check event to the chain', async () => {
    const api = await startReleaseApi();
    const id = await api.create();
    const before = await api.store.getAnalysis(id);
    const response = await api.request('POST', `/v1/analyses/${id}/checks/eval`, GOOD_EVAL);
    expect(response.statusCode).toBe(200);
    const { check } = response.json() as { check: Record<string, unknown> };
    expect(check).toEqual({
      name: 'eval',
      values: GOOD_EVAL.values,
      source: GOOD_EVAL.source,
      digest: 'sha256:4f2a',
      at: new Date(api.clock.now()).toISOString(),
      actor: null,
    });
    const record = await api.store.getAnalysis(id);
    expect(record?.checks?.['eval']).toEqual(check);
    expect(record?.version).toBe((before?.version ?? 0) + 1);
    const events = await api.store.listEvents(id);
    expect(events.at(-1)).toMatchObject({ type: 'check', payload: check });
    expect(verifyEventChain(events)).toEqual({ ok: true });
  });

  it.each([
    ['an unknown check', 'sbom', GOOD_EVAL, 404, 'unknown-check', 'name', /no check "sbom" \(checks: eval, agbom\)/],
    ['an unknown field', 'eval', { ...GOOD_EVAL, values: { ...GOOD_EVAL.values, tasks: 3 } }, 400, 'invalid-request', 'values.tasks', /no field "tasks"/],
    [
      'a string for a number',
      'eval',
      { ...GOOD_EVAL, values: { ...GOOD_EVAL.values, task_success: '0.9' } },
      400,
      'invalid-request',
      'values.task_success',
      /must be a finite number, got string "0.9"/,
    ],
    [
      'a number for a boolean',
      'agbom',
      { ...CLEAN_AGBOM, values: { high_risk: 0, reviewed: 1 } },
      400,
      'invalid-request',
      'values.reviewed',
      /must be a boolean/,
    ],
    [
      'a missing field',
      'eval',
      { ...GOOD_EVAL, values: { task_success: 0.9, suite: 'x' } },
      400,
      'invalid-request',
      'values.pii_leakage',
      /"pii_leakage" is missing/,
    ],
    ['no source', 'eval', { values: GOOD_EVAL.values }, 400, 'invalid-request', 'source', /required/],
    ['values that are not an object', 'eval', { ...GOOD_EVAL, values: [1] }, 400, 'invalid-request', 'values', /must be an object/],
  ])('refuses %s (%s) naming it, recording nothing', async (_case, name, body, status, code, field, message) => {
    const api = await startReleaseApi();
    const id = await api.create();
    const eventsBefore = (await api.store.listEvents(id)).length;
    const response = await api.request('POST', `/v1/analyses/${id}/checks/${name}`, body);
    const error = errorOf(response);
    expect(error).toMatchObject({ status, code, field });
    expect(error.message).toMatch(message);
    expect(await api.store.listEvents(id)).toHaveLength(eventsBefore);
    expect((await api.store.getAnalysis(id))?.checks).toBeUndefined();
  });

  it('answers 404 for an unknown analysis and 409 once the analysis ended', async () => {
    const api = await startReleaseApi();
    expect(errorOf(await api.request('POST', '/v1/analyses/nope/checks/eval', GOOD_EVAL))).toMatchObject({ status: 404, code: 'not-found' });
    const id = await api.create();
    await api.daemon.service.act(id, { action: 'abort', reason: 'test', actor: 'alice' });
    expect(errorOf(await api.request('POST', `/v1/analyses/${id}/checks/eval`, GOOD_EVAL))).toMatchObject({ status: 409, code: 'invalid-transition' });
  });

  it('needs checks:write or analyses:create; read alone is forbidden', async () => {
    const principals = [
      { name: 'ci', token: 'ci-token-0123456789', scopes: ['read', 'checks:write'] as const, environments: null },
      { name: 'deployer', token: 'deploy-token-0123456789', scopes: ['analyses:create'] as const, environments: null },
      { name: 'viewer', token: 'view-token-0123456789', scopes: ['read'] as const, environments: null },
      { name: 'staging-ci', token: 'stage-token-0123456789', scopes: ['checks:write'] as const, environments: ['staging'] },
    ].map((principal) => ({ ...principal, scopes: [...principal.scopes] }));
    const api = await startReleaseApi({ principals });
    const id = await api.create();
    const ci = await api.request('POST', `/v1/analyses/${id}/checks/eval`, GOOD_EVAL, 'ci-token-0123456789');
    expect(ci.statusCode).toBe(200);
    expect((ci.json() as { check: { actor: string } }).check.actor).toBe('ci');
    expect((await api.request('POST', `/v1/analyses/${id}/checks/agbom`, CLEAN_AGBOM, 'deploy-token-0123456789')).statusCode).toBe(200);
    const viewer = errorOf(await api.request('POST', `/v1/analyses/${id}/checks/eval`, GOOD_EVAL, 'view-token-0123456789'));
    expect(viewer).toMatchObject({ status: 403, code: 'forbidden' });
    expect(viewer.message).toContain('checks:write or analyses:create');
    expect(errorOf(await api.request('POST', `/v1/analyses/${id}/checks/eval`, GOOD_EVAL, 'stage-token-0123456789'))).toMatchObject({
      status: 403,
      code: 'forbidden',
    });
  });
});

describe('checks in rules and the gate report', () => {
  it('an eval check below 0.85 blocks the promotion; the gate report says block and names the blocker', async () => {
    const api = await startReleaseApi();
    const id = await api.create();
    await api.request('POST', `/v1/analyses/${id}/checks/eval`, { ...GOOD_EVAL, values: { ...GOOD_EVAL.values, task_success: 0.7 } });
    await api.request('POST', `/v1/analyses/${id}/checks/agbom`, CLEAN_AGBOM);
    await api.scheduler.advance(3 * MINUTE);
    await api.daemon.idle();
    expect(api.adapter.actions()).toEqual(['set-weight:10']);
    const verdict = await api.daemon.service.verdict(id);
    expect(verdict).toMatchObject({ verdict: 'continue', step: 0 });
    const gate = (await api.request('GET', `/v1/analyses/${id}/gate`)).json() as Gate;
    expect(gate.gate_id).toBe(id);
    expect(gate.decision).toBe('block');
    expect(gate.owners).toEqual({ release: 'team-checkout', eval: 'ml-evals' });
    expect(gate.blockers['checks.eval.task_success >= 0.85']).toEqual({ target_gte: 0.85, value: 0.7, pass: false });
    // An abort condition is stated as what must hold: pii_leakage > 0 must not fire, so target_lte 0.
    expect(gate.blockers['checks.eval.pii_leakage > 0']).toEqual({ target_lte: 0, value: 0, pass: true });
    expect(gate.blockers['checks.agbom.high_risk == 0']).toEqual({ target_eq: 0, value: 0, pass: true });
    expect(gate.window?.duration).toBe('3m');
    expect(Date.parse(gate.window?.end ?? '') - Date.parse(gate.window?.start ?? '')).toBe(3 * MINUTE);
  });

  it('an eval check above 0.85 lets it promote; the verdict carries the checks and its hash covers them', async () => {
    const api = await startReleaseApi();
    const id = await api.create();
    await api.request('POST', `/v1/analyses/${id}/checks/eval`, GOOD_EVAL);
    await api.request('POST', `/v1/analyses/${id}/checks/agbom`, CLEAN_AGBOM);
    await api.scheduler.advance(2 * MINUTE);
    await api.daemon.idle();
    expect(api.adapter.actions()).toEqual(['set-weight:10', 'set-weight:50']);
    const record = await api.store.getAnalysis(id);
    const last = record?.state.lastVerdict as TickVerdict;
    expect(last.action).toBe('promote');
    expect(last.checks?.['eval']).toMatchObject({ values: GOOD_EVAL.values, digest: 'sha256:4f2a', fresh: true });
    expect(last.checks?.['agbom']).toMatchObject({ values: CLEAN_AGBOM.values, digest: null, fresh: true });
    const { evidenceHash: hash, ...unhashed } = last;
    expect(evidenceHash(unhashed)).toBe(hash);
    expect(evidenceHash({ ...unhashed, checks: { ...last.checks, eval: null } })).not.toBe(hash);
    const tick = (await api.store.listEvents(id)).filter((event) => event.type === 'tick').at(-1);
    expect(tick?.payload['checks']).toEqual(last.checks);
    const gate = (await api.request('GET', `/v1/analyses/${id}/gate`)).json() as Gate;
    expect(gate.decision).toBe('allow_promotion_to_next_stage');
    expect(gate.blockers['checks.eval.task_success >= 0.85']).toEqual({ target_gte: 0.85, value: 0.91, pass: true });
  });

  it('a check never posted is unknown: never promotes, the gate holds with pass null', async () => {
    const api = await startReleaseApi();
    const id = await api.create();
    await api.request('POST', `/v1/analyses/${id}/checks/agbom`, CLEAN_AGBOM);
    await api.scheduler.advance(3 * MINUTE);
    await api.daemon.idle();
    expect(api.adapter.actions()).toEqual(['set-weight:10']);
    const verdict = await api.daemon.service.verdict(id);
    expect(verdict.reason).toMatch(/promote rule healthy is unknown: checks\.eval\.task_success has no value/);
    const gate = (await api.request('GET', `/v1/analyses/${id}/gate`)).json() as Gate;
    expect(gate.decision).toBe('hold');
    expect(gate.blockers['checks.eval.task_success >= 0.85']).toEqual({ target_gte: 0.85, value: null, pass: null });
  });

  it('evidence older than maxAge is unknown again', async () => {
    const api = await startReleaseApi({ template: checkedTemplate(3 * MINUTE) });
    const id = await api.create();
    await api.request('POST', `/v1/analyses/${id}/checks/eval`, GOOD_EVAL);
    // A high-risk component keeps it from promoting while the eval ages.
    await api.request('POST', `/v1/analyses/${id}/checks/agbom`, { ...CLEAN_AGBOM, values: { high_risk: 1, reviewed: true } });
    await api.scheduler.advance(3 * MINUTE);
    expect((await api.store.getAnalysis(id))?.state.lastVerdict?.checks?.['eval']?.fresh).toBe(true);
    await api.scheduler.advance(MINUTE);
    await api.daemon.idle();
    const last = (await api.store.getAnalysis(id))?.state.lastVerdict;
    expect(last?.checks?.['eval']?.fresh).toBe(false);
    // agbom has no maxAge: still fresh.
    expect(last?.checks?.['agbom']?.fresh).toBe(true);
    expect(last?.conditions.find((condition) => condition.text === 'checks.eval.task_success >= 0.85')).toMatchObject({
      truth: 'unknown',
      observed: [{ ref: 'checks.eval.task_success', value: null }],
    });
    const release = (await api.request('GET', `/v1/releases/${id}`)).json() as { checks: Record<string, { fresh: boolean }> };
    expect(release.checks['eval']?.fresh).toBe(false);
    expect(release.checks['agbom']?.fresh).toBe(true);
  });

  it('a gate report before the first verdict holds with no blockers and no window; 404 for an unknown analysis', async () => {
    const api = await startReleaseApi();
    const id = await api.create();
    expect((await api.request('GET', `/v1/analyses/${id}/gate`)).json()).toEqual({
      gate_id: id,
      window: null,
      blockers: {},
      owners: { release: 'team-checkout', eval: 'ml-evals' },
      decision: 'hold',
    });
    expect(errorOf(await api.request('GET', '/v1/analyses/nope/gate'))).toMatchObject({ status: 404, code: 'not-found' });
  });
});
