// Contract tests for POST /v1/gates/flagger/{type}: Flagger's own request bodies (CanaryWebhookPayload,
// as pkg/controller/webhook.go builds them: CallWebhook for gates, CallEventWebhook for events) and
// the status Flagger reads for each verdict (a status above 202 is an error: not passed; for
// rollback, 2xx = roll back now).

import { describe, expect, it } from 'vitest';

import { FAILING, MINUTE } from '../daemon/daemon-fixtures.js';
import { startGateApi, type GateApi } from './gate-harness.js';
import { errorOf } from './harness.js';

const METADATA = { template: 'web', environment: 'prod', 'args.service': 'checkout' };

/** What Flagger POSTs: {name, namespace, phase, checksum, metadata}; metadata is the webhook's map. */
/** metadata null: a webhook without metadata (Flagger then omits the key). */
function payload(phase: string, metadata: Record<string, string> | null = METADATA, checksum = '5d8f9c7b6'): Record<string, unknown> {
  return { name: 'podinfo', namespace: 'test', phase, checksum, ...(metadata === null ? {} : { metadata }) };
}

/** CallEventWebhook: eventMessage, eventType, timestamp added to the webhook's metadata. */
function eventPayload(): Record<string, unknown> {
  return payload('Progressing', { ...METADATA, eventMessage: 'Advance podinfo.test canary weight 10', eventType: 'Normal', timestamp: '1733140800000' });
}

/** Flagger's reading of a status: webhook.go's callWebhook fails above 202. */
function flaggerPasses(status: number): boolean {
  return status <= 202;
}

async function hook(
  api: GateApi,
  type: string,
  body: Record<string, unknown> = payload('Progressing'),
): Promise<{ status: number; passed: boolean; body: Record<string, unknown> }> {
  const response = await api.post(`/v1/gates/flagger/${type}`, body);
  return { status: response.statusCode, passed: flaggerPasses(response.statusCode), body: response.json() as Record<string, unknown> };
}

async function judged(api: GateApi, minutes: number): Promise<void> {
  await api.scheduler.advance(minutes * MINUTE);
  await api.daemon.idle();
}

describe('Flagger webhooks before any analysis', () => {
  it('confirm-rollout passes (canaryd judges from pre-rollout on), event and post-rollout are accepted', async () => {
    const api = await startGateApi();
    expect(await hook(api, 'confirm-rollout', payload('Initialized'))).toMatchObject({ status: 200, passed: true });
    expect(await hook(api, 'event', eventPayload())).toMatchObject({ status: 200, passed: true });
    expect(await hook(api, 'post-rollout', payload('Succeeded'))).toMatchObject({ status: 200 });
    expect(await api.store.listAnalyses()).toHaveLength(0);
  });

  it.each(['confirm-traffic-increase', 'confirm-promotion', 'rollback'])('%s without an analysis is 412: not passed, never a rollback', async (type) => {
    const api = await startGateApi();
    const answer = await hook(api, type);
    expect(answer).toMatchObject({ status: 412, passed: false });
    expect(String(answer.body.reason)).toMatch(/pre-rollout or rollout webhook/);
  });
});

describe('Flagger webhooks through a canary', () => {
  it('pre-rollout creates the analysis (observe mode, from metadata); rollout finds the same one', async () => {
    const api = await startGateApi();
    const pre = await hook(api, 'pre-rollout');
    expect(pre).toMatchObject({ status: 200, passed: true });
    const id = (pre.body.verdict as { analysisId: string }).analysisId;
    const record = await api.store.getAnalysis(id);
    expect(record).toMatchObject({
      mode: 'observe',
      template: 'web',
      args: { service: 'checkout' },
      target: { service: 'podinfo', environment: 'prod', version: '5d8f9c7b6' },
    });
    const rollout = await hook(api, 'rollout');
    expect(rollout).toMatchObject({ status: 200, passed: true, body: { verdict: { analysisId: id } } });
    // A new checksum (a new revision) is a new analysis.
    const next = await hook(api, 'rollout', payload('Progressing', METADATA, 'aa11bb22'));
    expect((next.body.verdict as { analysisId: string }).analysisId).not.toBe(id);
    expect(await api.store.listAnalyses()).toHaveLength(2);
  });

  it('takes service and version from metadata when given', async () => {
    const api = await startGateApi();
    const pre = await hook(api, 'pre-rollout', payload('Progressing', { ...METADATA, service: 'checkout', version: 'v2' }));
    const record = await api.store.getAnalysis((pre.body.verdict as { analysisId: string }).analysisId);
    expect(record?.target).toEqual({ service: 'checkout', environment: 'prod', version: 'v2' });
  });

  it('continue: rollout passes, traffic increase only for the first traffic, no promotion, no rollback', async () => {
    const api = await startGateApi();
    await hook(api, 'pre-rollout');
    expect(await hook(api, 'confirm-traffic-increase')).toMatchObject({ status: 200, body: { verdict: { step: 0, observedWeight: 10 } } });
    expect(await hook(api, 'rollout')).toMatchObject({ status: 200 });
    expect(await hook(api, 'confirm-traffic-increase')).toMatchObject({ status: 412, passed: false });
    expect(await hook(api, 'confirm-promotion')).toMatchObject({ status: 412, passed: false });
    expect(await hook(api, 'rollback')).toMatchObject({ status: 412, passed: false });
    expect(await hook(api, 'confirm-rollout')).toMatchObject({ status: 200 });
  });

  it('promote: traffic increases step by step, confirm-promotion passes once the last step promoted', async () => {
    const api = await startGateApi();
    await hook(api, 'pre-rollout');
    await hook(api, 'confirm-traffic-increase');
    await judged(api, 2);
    expect(await hook(api, 'rollout')).toMatchObject({ status: 200, body: { verdict: { verdict: 'promote', step: 0 } } });
    expect(await hook(api, 'rollback')).toMatchObject({ status: 412 });
    expect(await hook(api, 'confirm-promotion')).toMatchObject({ status: 412 });
    expect(await hook(api, 'confirm-traffic-increase')).toMatchObject({ status: 200, body: { verdict: { step: 1, weight: 50, verdict: 'continue' } } });
    // At the new step canaryd judges afresh: no second increase before its promote.
    expect(await hook(api, 'confirm-traffic-increase')).toMatchObject({ status: 412 });
    await judged(api, 2);
    expect(await hook(api, 'confirm-traffic-increase')).toMatchObject({ status: 200, body: { verdict: { step: 2, weight: 100 } } });
    await judged(api, 2);
    expect(await hook(api, 'confirm-promotion')).toMatchObject({ status: 200, passed: true, body: { verdict: { phase: 'succeeded', verdict: 'promote' } } });
    expect(await hook(api, 'rollback')).toMatchObject({ status: 412 });
    expect(await hook(api, 'post-rollout', payload('Succeeded'))).toMatchObject({ status: 200 });
  });

  it('hold: neither traffic increase nor promotion nor rollback', async () => {
    const api = await startGateApi();
    api.source.values = { requests: { baseline: 1000, canary: 100 }, error_rate: { baseline: 0.01, canary: 0.01 } };
    await hook(api, 'pre-rollout');
    await hook(api, 'confirm-traffic-increase');
    await judged(api, 3);
    expect(await hook(api, 'rollout')).toMatchObject({ status: 200, body: { verdict: { verdict: 'hold' } } });
    expect(await hook(api, 'confirm-traffic-increase')).toMatchObject({ status: 412 });
    expect(await hook(api, 'confirm-promotion')).toMatchObject({ status: 412 });
    expect(await hook(api, 'rollback')).toMatchObject({ status: 412 });
  });

  it('abort: rollback answers 200 (roll back now); every gate fails', async () => {
    const api = await startGateApi();
    api.source.values = FAILING;
    await hook(api, 'pre-rollout');
    await hook(api, 'confirm-traffic-increase');
    await judged(api, 1);
    expect(await hook(api, 'rollback')).toMatchObject({ status: 200, passed: true, body: { verdict: { verdict: 'abort', phase: 'aborted' } } });
    for (const type of ['rollout', 'pre-rollout', 'confirm-traffic-increase', 'confirm-promotion', 'confirm-rollout']) {
      expect(await hook(api, type)).toMatchObject({ status: 412, passed: false });
    }
    expect(await hook(api, 'event', eventPayload())).toMatchObject({ status: 200 });
  });
});

describe('Flagger bad input', () => {
  it.each([
    ['pre-rollout', { environment: 'prod' }, 'metadata.template'],
    ['rollout', { template: 'web' }, 'metadata.environment'],
    ['rollout', null, 'metadata.template'],
  ])('%s with metadata %j is 400 naming %s (Flagger: not passed)', async (type, metadata, field) => {
    const api = await startGateApi();
    const response = await api.post(`/v1/gates/flagger/${type}`, payload('Progressing', metadata));
    expect(errorOf(response)).toMatchObject({ status: 400, code: 'invalid-request', field });
    expect(flaggerPasses(response.statusCode)).toBe(false);
  });

  it('a rollback hook with a malformed body is 400: never read as "roll back"', async () => {
    const api = await startGateApi();
    const response = await api.post('/v1/gates/flagger/rollback', { name: 'podinfo', namespace: 'test', phase: 'Progressing' });
    expect(errorOf(response)).toMatchObject({ status: 400, field: 'checksum' });
    expect(flaggerPasses(response.statusCode)).toBe(false);
  });

  it('an unknown template in metadata is 422 (not passed)', async () => {
    const api = await startGateApi();
    const response = await api.post('/v1/gates/flagger/pre-rollout', payload('Progressing', { ...METADATA, template: 'nope' }));
    expect(errorOf(response)).toMatchObject({ status: 422, code: 'unknown-template' });
  });

  it('an unknown hook type is 404 unknown-gate', async () => {
    const api = await startGateApi();
    const response = await api.post('/v1/gates/flagger/confirm-everything', payload('Progressing'));
    expect(errorOf(response)).toMatchObject({ status: 404, code: 'unknown-gate', field: 'type' });
    expect(errorOf(response).message).toMatch(/confirm-traffic-increase/);
  });
});

describe('Flagger with auth', () => {
  const principals = [
    { name: 'flagger', token: 'flagger-token', scopes: ['analyses:create' as const], environments: null },
    { name: 'viewer', token: 'viewer-token', scopes: ['read' as const], environments: null },
    { name: 'staging', token: 'staging-token', scopes: ['analyses:create' as const], environments: ['staging'] },
  ];

  it("refuses a principal limited to other environments the prod analysis' hooks (403, never a rollback)", async () => {
    const api = await startGateApi({ principals });
    expect((await api.post('/v1/gates/flagger/pre-rollout?access_token=flagger-token', payload('Progressing'))).statusCode).toBe(200);
    for (const type of ['rollback', 'confirm-traffic-increase', 'confirm-promotion', 'rollout']) {
      expect(errorOf(await api.post(`/v1/gates/flagger/${type}?access_token=staging-token`, payload('Progressing')))).toMatchObject({
        status: 403,
        code: 'forbidden',
      });
    }
  });

  it('takes the token from ?access_token= (Flagger cannot send headers) or the Authorization header', async () => {
    const api = await startGateApi({ principals });
    expect((await api.post('/v1/gates/flagger/pre-rollout', payload('Progressing'))).statusCode).toBe(401);
    expect((await api.post('/v1/gates/flagger/pre-rollout?access_token=flagger-token', payload('Progressing'))).statusCode).toBe(200);
    expect((await api.post('/v1/gates/flagger/rollout', payload('Progressing'), 'flagger-token')).statusCode).toBe(200);
    expect(errorOf(await api.post('/v1/gates/flagger/rollout?access_token=viewer-token', payload('Progressing')))).toMatchObject({
      status: 403,
      code: 'forbidden',
    });
    // A 401 or 403 is never a rollback for Flagger.
    expect((await api.post('/v1/gates/flagger/rollback?access_token=wrong', payload('Progressing'))).statusCode).toBe(401);
  });

  it('takes no query token anywhere else', async () => {
    const api = await startGateApi({ principals });
    const response = await api.post('/v1/gates/argo?access_token=flagger-token', { template: 'web' });
    expect(errorOf(response)).toMatchObject({ status: 401, code: 'unauthenticated' });
  });
});

describe('/openapi.json', () => {
  it('documents the gate routes with their statuses', async () => {
    const api = await startGateApi();
    const document = (await api.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    expect(Object.keys(document.paths['/v1/gates/argo']?.post?.responses ?? {})).toContain('200');
    expect(Object.keys(document.paths['/v1/gates/flagger/{type}']?.post?.responses ?? {})).toEqual(expect.arrayContaining(['200', '400', '404', '412']));
    expect(Object.keys(document.paths['/v1/analyses/{id}/observed-weight']?.post?.responses ?? {})).toEqual(expect.arrayContaining(['200', '404', '409']));
  });
});
