// GET /v1/releases, GET /v1/releases/{id} and POST /v1/releases/rollback on a real daemon (memory
// store, manual clock): history newest first with cursors, the full record, rollbacks through the
// drive adapter (toVersion, actor, reason), policies, and bad input that records nothing.

import { describe, expect, it } from 'vitest';

import { createControlContext } from '../../../src/daemon/control-context.js';
import { verifyEventChain } from '../../../src/store/types.js';
import { MINUTE } from '../daemon/daemon-fixtures.js';
import { errorOf } from './harness.js';
import { startReleaseApi, type ReleaseApi } from './release-harness.js';

type Summary = {
  id: string;
  version: string;
  artifact: string | null;
  previousVersion: string | null;
  phase: string;
  decision: { decision: string; rule: { id: string } | null } | null;
  checks: Record<string, unknown>;
  endedAt: string | null;
  evidenceHash: string | null;
};
type Rollback = { id: string; fromVersion: string; toVersion: string; reason: string; actor: string; analysisId: string; adapter: string; status: string };

const target = (version: string) => ({ target: { service: 'checkout', environment: 'prod', version } });

async function threeReleases(api: ReleaseApi): Promise<[string, string, string]> {
  const v1 = await api.create({ ...target('v1'), artifact: 'sha256:aaa' });
  await api.daemon.service.act(v1, { action: 'abort', reason: 'superseded', actor: 'alice' });
  const v2 = await api.create({ ...target('v2'), artifact: 'sha256:bbb', previousVersion: 'v1' });
  const v3 = await api.create({ ...target('v3'), previousVersion: 'v2' });
  return [v1, v2, v3];
}

describe('GET /v1/releases', () => {
  it('lists the releases of one service and environment, newest first, with decision and artifact', async () => {
    const api = await startReleaseApi();
    const [v1, v2, v3] = await threeReleases(api);
    await api.create({ target: { service: 'checkout', environment: 'staging', version: 'v9' } });
    const response = await api.request('GET', '/v1/releases?service=checkout&environment=prod');
    expect(response.statusCode).toBe(200);
    const { releases, nextCursor } = response.json() as { releases: Summary[]; nextCursor: string | null };
    expect(releases.map((release) => [release.id, release.version])).toEqual([
      [v3, 'v3'],
      [v2, 'v2'],
      [v1, 'v1'],
    ]);
    expect(nextCursor).toBeNull();
    expect(releases[1]).toMatchObject({ artifact: 'sha256:bbb', previousVersion: 'v1', phase: 'running', decision: null, endedAt: null });
    expect(releases[0]).toMatchObject({ artifact: null, previousVersion: 'v2' });
    expect(releases[2]).toMatchObject({ phase: 'aborted', decision: { decision: 'abort', rule: { id: 'manual' } } });
    expect(releases[2]?.endedAt).not.toBeNull();
  });

  it('pages with limit and before (the nextCursor)', async () => {
    const api = await startReleaseApi();
    const [v1, v2, v3] = await threeReleases(api);
    const first = (await api.request('GET', '/v1/releases?service=checkout&environment=prod&limit=2')).json() as { releases: Summary[]; nextCursor: string };
    expect(first.releases.map((release) => release.id)).toEqual([v3, v2]);
    expect(first.nextCursor).toBe(v2);
    const second = (await api.request('GET', `/v1/releases?service=checkout&environment=prod&limit=2&before=${first.nextCursor}`)).json() as {
      releases: Summary[];
      nextCursor: string | null;
    };
    expect(second.releases.map((release) => release.id)).toEqual([v1]);
    expect(second.nextCursor).toBeNull();
  });

  it.each([
    ['/v1/releases?environment=prod', 'query.service'],
    ['/v1/releases?service=checkout', 'query.environment'],
    ['/v1/releases?service=checkout&environment=prod&limit=0', 'query.limit'],
    ['/v1/releases?service=checkout&environment=prod&limit=ten', 'query.limit'],
    ['/v1/releases?service=checkout&environment=prod&sort=asc', 'query.sort'],
    ['/v1/releases?service=checkout&environment=prod&before=nope', 'before'],
  ])('refuses %s with 400 naming %s', async (url, field) => {
    const api = await startReleaseApi();
    await api.create();
    expect(errorOf(await api.request('GET', url))).toMatchObject({ status: 400, code: 'invalid-request', field });
  });
});

describe('POST /v1/analyses with release fields', () => {
  const create = {
    template: 'web',
    args: { service: 'checkout' },
    mode: 'drive',
    adapter: 'deployer',
    target: { service: 'checkout', environment: 'prod', version: 'v2' },
  };

  it('takes artifact and previousVersion into the record and its created event', async () => {
    const api = await startReleaseApi();
    const response = await api.request('POST', '/v1/analyses', { ...create, artifact: 'sha256:0a1b', previousVersion: 'v1' });
    expect(response.statusCode).toBe(201);
    const { id } = response.json() as { id: string };
    expect(await api.store.getAnalysis(id)).toMatchObject({ artifact: 'sha256:0a1b', previousVersion: 'v1' });
    expect((await api.store.listEvents(id))[0]).toMatchObject({ type: 'created', payload: { artifact: 'sha256:0a1b', previousVersion: 'v1' } });
  });

  it.each([
    [{ artifact: 'latest' }, 'artifact'],
    [{ artifact: 42 }, 'artifact'],
    [{ previousVersion: '' }, 'previousVersion'],
  ])('refuses %j with 400 naming %s, creating nothing', async (bad, field) => {
    const api = await startReleaseApi();
    expect(errorOf(await api.request('POST', '/v1/analyses', { ...create, ...bad }))).toMatchObject({ status: 400, code: 'invalid-request', field });
    expect(await api.store.listAnalyses()).toEqual([]);
  });
});

describe('GET /v1/releases/{id}', () => {
  it('is the full record: template hash, args, decisions with their evidence, checks', async () => {
    const api = await startReleaseApi();
    const id = await api.create({ artifact: 'sha256:ccc' });
    await api.request('POST', `/v1/analyses/${id}/checks/eval`, { values: { task_success: 0.95, pii_leakage: 0, suite: 's' }, source: 'eval 1' });
    await api.request('POST', `/v1/analyses/${id}/checks/agbom`, { values: { high_risk: 0, reviewed: true }, source: 'agbom 1' });
    await api.scheduler.advance(2 * MINUTE);
    await api.daemon.idle();
    const response = await api.request('GET', `/v1/releases/${id}`);
    expect(response.statusCode).toBe(200);
    const record = response.json() as Summary & {
      templateHash: string;
      args: Record<string, string>;
      decisions: Array<Record<string, unknown>>;
      approvals: unknown[];
      policyDecisions: unknown[];
      rollbacks: unknown[];
    };
    const stored = await api.store.getAnalysis(id);
    expect(record).toMatchObject({
      id,
      version: 'v2',
      artifact: 'sha256:ccc',
      templateHash: stored?.templateHash,
      args: { service: 'checkout' },
      approvals: [],
      policyDecisions: [],
      rollbacks: [],
    });
    expect(record.decisions).toEqual([
      {
        at: expect.any(String),
        decision: 'promote',
        rule: { id: 'healthy', group: 'promote' },
        reason: expect.stringMatching(/advancing to step 2/),
        evidenceHash: stored?.state.lastVerdict?.evidenceHash,
        fromStep: 0,
        step: 1,
        weight: 50,
      },
    ]);
    expect(record.decision).toMatchObject({ decision: 'promote', rule: { id: 'healthy' } });
    expect(record.evidenceHash).toBe(stored?.state.lastVerdict?.evidenceHash);
    expect(Object.keys(record.checks)).toEqual(['eval', 'agbom']);
    expect(errorOf(await api.request('GET', '/v1/releases/nope'))).toMatchObject({ status: 404, code: 'not-found' });
  });
});

describe('POST /v1/releases/rollback', () => {
  const body = { service: 'checkout', environment: 'prod', toVersion: 'v1', reason: 'p95 latency regression after v3' };

  it('calls the drive adapter of the latest analysis with rollback to the version, records it, and answers 202', async () => {
    const api = await startReleaseApi();
    const [, , v3] = await threeReleases(api);
    const response = await api.request('POST', '/v1/releases/rollback', body);
    expect(response.statusCode).toBe(202);
    const { rollback } = response.json() as { rollback: Rollback };
    expect(rollback).toMatchObject({
      service: 'checkout',
      environment: 'prod',
      fromVersion: 'v3',
      toVersion: 'v1',
      reason: body.reason,
      actor: 'anonymous',
      analysisId: v3,
      adapter: 'deployer',
      status: 'pending',
    });
    await api.daemon.idle();
    const call = api.adapter.requests.at(-1);
    expect(call).toMatchObject({
      action: 'rollback',
      analysisId: v3,
      weight: 0,
      toVersion: 'v1',
      actor: 'anonymous',
      reason: body.reason,
      rule: { id: 'manual', group: 'builtin' },
    });
    expect(call?.idempotencyKey).toBe(`${v3}:0:rollback:${call?.evidenceHash}`);
    const events = await api.store.listEvents(v3);
    expect(events.at(-1)).toMatchObject({
      type: 'release-rollback',
      payload: { rollbackId: rollback.id, fromVersion: 'v3', toVersion: 'v1', reason: body.reason, actor: 'anonymous', idempotencyKey: call?.idempotencyKey },
    });
    expect(verifyEventChain(events)).toEqual({ ok: true });
    const record = (await api.request('GET', `/v1/releases/${v3}`)).json() as { rollbacks: Rollback[]; phase: string };
    expect(record.rollbacks).toEqual([{ ...rollback, status: 'done' }]);
    // The analysis itself goes on: a rollback of the target is not a decision of its own.
    expect(record.phase).toBe('running');
  });

  it('a failed rollback call shows as failed and leaves the analysis as it was', async () => {
    const api = await startReleaseApi();
    const [, v2] = await threeReleases(api);
    api.adapter.fail = (request) => request.toVersion !== undefined;
    await api.request('POST', '/v1/releases/rollback', { ...body, toVersion: 'v2' });
    await api.daemon.idle();
    const record = (await api.request('GET', `/v1/releases/${v2}`)).json() as { rollbacks: Rollback[] };
    expect(record.rollbacks).toEqual([]);
    const latest = (await api.request('GET', '/v1/releases?service=checkout&environment=prod&limit=1')).json() as {
      releases: Array<{ id: string; phase: string }>;
    };
    const detail = (await api.request('GET', `/v1/releases/${latest.releases[0]?.id}`)).json() as { rollbacks: Rollback[]; phase: string };
    expect(detail.rollbacks.map((rollback) => rollback.status)).toEqual(['failed']);
    expect(detail.phase).toBe('running');
  });

  it('answers 404 naming a version never released for the target, recording nothing', async () => {
    const api = await startReleaseApi();
    const [, , v3] = await threeReleases(api);
    await api.create({ target: { service: 'checkout', environment: 'staging', version: 'v0' } });
    const before = await api.store.listEvents(v3);
    const error = errorOf(await api.request('POST', '/v1/releases/rollback', { ...body, toVersion: 'v0' }));
    expect(error).toMatchObject({ status: 404, code: 'not-found', field: 'toVersion' });
    expect(error.message).toBe('version v0 was never released for checkout in prod (released: v3, v2, v1)');
    expect(await api.store.listEvents(v3)).toEqual(before);
    expect(api.adapter.requests.filter((request) => request.toVersion !== undefined)).toEqual([]);
  });

  it('answers 409 no-drive-analysis when no analysis of the target has an adapter', async () => {
    const api = await startReleaseApi();
    await api.daemon.service.create({
      template: 'web',
      args: { service: 'checkout' },
      mode: 'observe',
      target: { service: 'checkout', environment: 'prod', version: 'v1' },
    });
    const error = errorOf(await api.request('POST', '/v1/releases/rollback', body));
    expect(error).toMatchObject({ status: 409, code: 'no-drive-analysis' });
    expect(error.message).toMatch(/no analysis of checkout in prod runs in drive mode/);
  });

  it.each([
    [{ ...body, reason: '' }, 'reason'],
    [{ ...body, reason: '   ' }, 'reason'],
    [{ service: 'checkout', environment: 'prod', toVersion: 'v1' }, 'reason'],
    [{ ...body, toVersion: undefined }, 'toVersion'],
    [{ ...body, force: true }, 'force'],
  ])('refuses %j with 400 naming %s', async (bad, field) => {
    const api = await startReleaseApi();
    await threeReleases(api);
    expect(errorOf(await api.request('POST', '/v1/releases/rollback', bad))).toMatchObject({ status: 400, code: 'invalid-request', field });
    await api.daemon.idle();
    expect(api.adapter.requests.filter((request) => request.toVersion !== undefined)).toEqual([]);
  });

  it('is subject to policies: a DENY for rollback answers 403 policy-denied, records the decision, calls nothing', async () => {
    const control = createControlContext([
      {
        id: 'no-rollback-friday',
        match: { environment: ['prod'], action: ['rollback'] },
        decision: 'DENY',
        approvers: [],
        expiresMs: MINUTE,
        reason: 'change freeze',
      },
    ]);
    const api = await startReleaseApi({ control });
    await api.create(target('v1'));
    const v3 = await api.create(target('v3'));
    const error = errorOf(await api.request('POST', '/v1/releases/rollback', body));
    expect(error).toMatchObject({ status: 403, code: 'policy-denied' });
    expect(error.message).toMatch(/policy no-rollback-friday decides DENY for rollback in prod: change freeze/);
    await api.daemon.idle();
    expect(api.adapter.requests.filter((request) => request.toVersion !== undefined)).toEqual([]);
    const last = (await api.store.listEvents(v3)).at(-1);
    expect(last).toMatchObject({ type: 'policy-decision', payload: { action: 'rollback', decision: 'DENY', policyId: 'no-rollback-friday' } });
  });

  it('refuses a policy that requires an approval (403 policy-denied saying why), calling nothing', async () => {
    const control = createControlContext([
      {
        id: 'prod-rollback-approval',
        match: { action: ['rollback'], service: ['checkout'] },
        decision: 'REQUIRE_APPROVAL',
        approvers: ['alice'],
        expiresMs: MINUTE,
      },
    ]);
    const api = await startReleaseApi({ control });
    await api.create(target('v1'));
    await api.create(target('v3'));
    const error = errorOf(await api.request('POST', '/v1/releases/rollback', body));
    expect(error).toMatchObject({ status: 403, code: 'policy-denied' });
    expect(error.message).toMatch(
      /policy prod-rollback-approval decides REQUIRE_APPROVAL for rollback in prod; a release rollback cannot wait for an approval/,
    );
    await api.daemon.idle();
    expect(api.adapter.requests.filter((request) => request.toVersion !== undefined)).toEqual([]);
  });

  it('needs the releases:rollback scope; the actor is the principal', async () => {
    const principals = [
      { name: 'release-manager', token: 'rm-token-0123456789', scopes: ['read', 'releases:rollback'], environments: null },
      { name: 'operator', token: 'op-token-0123456789', scopes: ['read', 'actions', 'admin'], environments: null },
    ] as const;
    const api = await startReleaseApi({ principals: principals.map((principal) => ({ ...principal, scopes: [...principal.scopes] })) });
    await threeReleases(api);
    expect(errorOf(await api.request('POST', '/v1/releases/rollback', body, 'op-token-0123456789'))).toMatchObject({ status: 403, code: 'forbidden' });
    const ok = await api.request('POST', '/v1/releases/rollback', body, 'rm-token-0123456789');
    expect(ok.statusCode).toBe(202);
    expect((ok.json() as { rollback: Rollback }).rollback.actor).toBe('release-manager');
    await api.daemon.idle();
    expect(api.adapter.requests.at(-1)).toMatchObject({ action: 'rollback', actor: 'release-manager' });
  });
});

describe('OpenAPI document with the release routes', () => {
  it('documents every release route, and its schemas resolve', async () => {
    const api = await startReleaseApi();
    const document = (await api.request('GET', '/openapi.json')).json() as {
      paths: Record<string, Record<string, { operationId?: string; tags?: string[] }>>;
      components: { schemas: Record<string, unknown> };
    };
    expect(document.paths['/v1/releases']?.['get']?.operationId).toBe('listReleases');
    expect(document.paths['/v1/releases/{id}']?.['get']?.operationId).toBe('getRelease');
    expect(document.paths['/v1/releases/rollback']?.['post']?.operationId).toBe('rollbackRelease');
    expect(document.paths['/v1/analyses/{id}/checks/{name}']?.['post']?.operationId).toBe('postCheck');
    expect(document.paths['/v1/analyses/{id}/gate']?.['get']?.operationId).toBe('getGateReport');
    const refs = JSON.stringify(document).match(/#\/components\/schemas\/[A-Za-z]+/g) ?? [];
    for (const ref of new Set(refs)) expect(Object.keys(document.components.schemas)).toContain(ref.replace('#/components/schemas/', ''));
    expect(Object.keys(document.components.schemas)).toEqual(expect.arrayContaining(['ReleaseSummary', 'ReleaseRecord', 'Rollback', 'GateReport']));
  });
});
