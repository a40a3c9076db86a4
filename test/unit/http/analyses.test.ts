import { describe, expect, it } from 'vitest';

import { DomainError, type DomainErrorCode } from '../../../src/analysis/errors.js';
import { analysisListSchema, analysisViewSchema } from '../../../src/http/schemas/analysis.js';
import { errorBodySchema } from '../../../src/http/schemas/common.js';
import { makeView } from './fake-service.js';
import { errorOf, json, startApi, VALID_CREATE } from './harness.js';

function post(body: unknown) {
  return { method: 'POST' as const, url: '/v1/analyses', payload: body as Record<string, unknown> };
}

describe('POST /v1/analyses', () => {
  it('creates a drive-mode analysis and answers 201 with the analysis', async () => {
    const { app, service } = await startApi();
    const response = await app.inject(post(VALID_CREATE));
    expect(response.statusCode).toBe(201);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const view = analysisViewSchema.parse(json(response));
    expect(view).toMatchObject({ id: 'an-1', phase: 'running', step: 0, weight: 1, mode: 'drive', adapter: 'deployer' });
    expect(service.created).toEqual([VALID_CREATE]);
  });

  it('creates an observe-mode analysis without an adapter and does not invent one', async () => {
    const { app, service } = await startApi();
    const { adapter: _adapter, ...observe } = { ...VALID_CREATE, mode: 'observe' as const };
    const response = await app.inject(post(observe));
    expect(response.statusCode).toBe(201);
    expect(service.created[0]).not.toHaveProperty('adapter');
    expect(analysisViewSchema.parse(json(response)).adapter).toBeNull();
  });

  it('turns numeric args into strings, trims names, and defaults args to {}', async () => {
    const { app, service } = await startApi();
    service.templates.set('no-args', []);
    await app.inject(post({ ...VALID_CREATE, args: { service: 'checkout', port: 8080, ratio: 0.5 } }));
    await app.inject(post({ ...VALID_CREATE, template: ' no-args ', args: undefined }));
    expect(service.created[0]?.args).toEqual({ service: 'checkout', port: '8080', ratio: '0.5' });
    expect(service.created[1]).toMatchObject({ template: 'no-args', args: {} });
  });

  const invalid: Array<[string, unknown, string | undefined, RegExp]> = [
    ['drive mode without adapter', { ...VALID_CREATE, adapter: undefined }, 'adapter', /adapter: required in drive mode/],
    ['an adapter in observe mode', { ...VALID_CREATE, mode: 'observe' }, 'adapter', /only allowed in drive mode/],
    ['an invalid mode', { ...VALID_CREATE, mode: 'steer' }, 'mode', /mode: must be drive or observe/],
    ['a missing mode', { ...VALID_CREATE, mode: undefined }, 'mode', /mode: required/],
    ['an empty target.service', { ...VALID_CREATE, target: { ...VALID_CREATE.target, service: '  ' } }, 'target.service', /target\.service: must not be empty/],
    ['a missing target', { ...VALID_CREATE, target: undefined }, 'target', /target: required/],
    ['an unknown field (typo)', { ...VALID_CREATE, adaptor: 'deployer' }, 'adaptor', /adaptor: unknown field/],
    ['an unknown target field', { ...VALID_CREATE, target: { ...VALID_CREATE.target, cluster: 'x' } }, 'target.cluster', /unknown field/],
    ['a boolean arg value', { ...VALID_CREATE, args: { service: true } }, 'args.service', /args\.service: must be a string/],
    ['an arg name that is not a name', { ...VALID_CREATE, args: { 'bad name': 'x' } }, 'args.bad name', /must be an argument name/],
    ['a body that is an array', [VALID_CREATE], undefined, /request body: must be a JSON object/],
  ];

  it.each(invalid)('refuses %s with 400 invalid-request naming the field', async (_case, body, field, message) => {
    const { app, service } = await startApi();
    const response = await app.inject(post(body));
    const error = errorOf(response);
    expect(error).toMatchObject({ status: 400, code: 'invalid-request', field, keys: ['error'] });
    expect(error.message).toMatch(message);
    expect(errorBodySchema.safeParse(json(response)).success).toBe(true);
    expect(service.created).toEqual([]);
  });

  it('names every bad field in the message and the first one in `field`', async () => {
    const { app } = await startApi();
    const response = await app.inject(post({ template: '', mode: 'drive', target: { service: 'a', environment: '', version: 'v' } }));
    const error = errorOf(response);
    expect(error.field).toBe('template');
    for (const part of ['template: must not be empty', 'target.environment: must not be empty', 'adapter: required in drive mode']) {
      expect(error.message).toContain(part);
    }
  });

  const refused: Array<[string, Record<string, unknown>, string, string]> = [
    ['an unknown template', { ...VALID_CREATE, template: 'grpc-service' }, 'unknown-template', 'template'],
    ['an unknown adapter', { ...VALID_CREATE, adapter: 'spinnaker' }, 'unknown-adapter', 'adapter'],
    ['a missing template argument', { ...VALID_CREATE, args: {} }, 'missing-argument', 'args.service'],
  ];

  it.each(refused)('answers 422 for %s with the service code and field', async (_case, body, code, field) => {
    const { app, service } = await startApi();
    const response = await app.inject(post(body));
    expect(errorOf(response)).toMatchObject({ status: 422, code, field });
    expect(service.created).toHaveLength(1);
  });

  it.each<[DomainErrorCode, number]>([
    ['invalid-mode', 422],
    ['invalid-config', 422],
    ['invalid-adapter-call', 422],
    ['conflict', 409],
    ['invalid-request', 400],
  ])('maps the domain code %s to %i with its message and field', async (code, status) => {
    const { app, service } = await startApi();
    service.failure = new DomainError(code, `refused because of ${code}`, 'mode');
    const response = await app.inject(post(VALID_CREATE));
    expect(errorOf(response)).toMatchObject({ status, code, message: `refused because of ${code}`, field: 'mode' });
  });

  it('answers 503 store-unavailable without the store message', async () => {
    const { app, service } = await startApi();
    service.failure = new DomainError('store-unavailable', 'cannot open postgres://admin:hunter2@db/canaryd');
    const response = await app.inject(post(VALID_CREATE));
    expect(errorOf(response)).toMatchObject({ status: 503, code: 'store-unavailable', field: undefined });
    expect(response.body).not.toContain('hunter2');
  });

  it('answers 400 for malformed JSON and for an empty JSON body', async () => {
    const { app } = await startApi();
    const headers = { 'content-type': 'application/json' };
    const malformed = await app.inject({ method: 'POST', url: '/v1/analyses', headers, payload: '{"template": "x",' });
    expect(errorOf(malformed)).toMatchObject({ status: 400, code: 'invalid-request', field: undefined });
    expect(errorOf(malformed).message).toMatch(/not valid JSON/);
    const empty = await app.inject({ method: 'POST', url: '/v1/analyses', headers, payload: '' });
    expect(errorOf(empty)).toMatchObject({ status: 400, code: 'invalid-request' });
  });

  it('answers 415 for a body that is not JSON', async () => {
    const { app } = await startApi();
    const response = await app.inject({ method: 'POST', url: '/v1/analyses', headers: { 'content-type': 'text/plain' }, payload: 'template=x' });
    expect(errorOf(response)).toMatchObject({ status: 415, code: 'unsupported-media-type' });
  });

  it('answers 413 for a body over the limit', async () => {
    const { app, service } = await startApi({ bodyLimit: 1024 });
    const response = await app.inject(post({ ...VALID_CREATE, args: { service: 'x'.repeat(2000) } }));
    expect(errorOf(response)).toMatchObject({ status: 413, code: 'payload-too-large' });
    expect(service.created).toEqual([]);
  });
});

describe('GET /v1/analyses', () => {
  it('lists analyses and passes the phase filter to the service', async () => {
    const { app, service } = await startApi();
    service.put(makeView({ id: 'a', phase: 'running' }));
    service.put(makeView({ id: 'b', phase: 'paused' }));
    const all = analysisListSchema.parse(json(await app.inject({ method: 'GET', url: '/v1/analyses' })));
    expect(all.analyses.map((view) => view.id)).toEqual(['a', 'b']);
    const paused = await app.inject({ method: 'GET', url: '/v1/analyses?phase=paused' });
    expect(paused.statusCode).toBe(200);
    expect(analysisListSchema.parse(json(paused)).analyses.map((view) => view.id)).toEqual(['b']);
    expect(service.listFilters).toEqual([{}, { phase: 'paused' }]);
  });

  it('refuses an unknown phase with field query.phase', async () => {
    const { app, service } = await startApi();
    const response = await app.inject({ method: 'GET', url: '/v1/analyses?phase=done' });
    const error = errorOf(response);
    expect(error).toMatchObject({ status: 400, code: 'invalid-request', field: 'query.phase' });
    expect(error.message).toContain('pending, running, paused, awaiting-approval, succeeded, aborted, failed');
    expect(service.listFilters).toEqual([]);
  });

  it('refuses an unknown query parameter (a typo of phase)', async () => {
    const { app } = await startApi();
    const response = await app.inject({ method: 'GET', url: '/v1/analyses?phse=running' });
    expect(errorOf(response)).toMatchObject({ status: 400, code: 'invalid-request', field: 'query.phse' });
  });
});

describe('GET /v1/analyses/:id', () => {
  it('answers the analysis', async () => {
    const { app, service } = await startApi();
    service.put(makeView({ id: 'a', phase: 'paused', step: 2, weight: 25 }));
    const response = await app.inject({ method: 'GET', url: '/v1/analyses/a' });
    expect(response.statusCode).toBe(200);
    expect(analysisViewSchema.parse(json(response))).toMatchObject({ id: 'a', phase: 'paused', step: 2, weight: 25 });
  });

  it('answers 404 not-found for an unknown id', async () => {
    const { app } = await startApi();
    const response = await app.inject({ method: 'GET', url: '/v1/analyses/nope' });
    expect(errorOf(response)).toMatchObject({ status: 404, code: 'not-found' });
    expect(errorOf(response).message).toContain('nope');
  });
});
