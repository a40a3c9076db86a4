import { describe, expect, it } from 'vitest';

import { makeView } from './fake-service.js';
import { errorOf, json, METRICS_CONTENT_TYPE, METRICS_TEXT, startApi, VALID_CREATE } from './harness.js';

describe('GET /metrics', () => {
  it('answers the exposition with its own content type, unchanged', async () => {
    const { app } = await startApi();
    const response = await app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe(METRICS_CONTENT_TYPE);
    expect(response.body).toBe(METRICS_TEXT);
  });

  it('answers 500 internal when the registry fails, and logs the cause', async () => {
    const { app, logLines } = await startApi({
      metrics: async () => {
        throw new Error('collector exploded');
      },
    });
    const response = await app.inject({ method: 'GET', url: '/metrics' });
    expect(errorOf(response)).toMatchObject({ status: 500, code: 'internal' });
    expect(response.body).not.toContain('exploded');
    const logged = logLines().find((line) => line['msg'] === 'request failed unexpectedly');
    expect(JSON.stringify(logged)).toContain('collector exploded');
  });
});

describe('GET /healthz and /readyz', () => {
  it('answers 200 {"status":"ok"} with the version', async () => {
    const { app } = await startApi();
    const response = await app.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(json(response)).toEqual({ status: 'ok', version: '1.2.3' });
  });

  it('answers 200 when the service is ready', async () => {
    const { app } = await startApi();
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(200);
    expect(json(response)).toEqual({ status: 'ready' });
  });

  it('answers 503 not-ready with the reason when the service is not ready', async () => {
    const { app, service } = await startApi();
    service.readiness = { ready: false, reason: 'store is recovering pending adapter calls' };
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    expect(errorOf(response)).toMatchObject({ status: 503, code: 'not-ready', message: 'store is recovering pending adapter calls' });
  });

  it('answers 503 with a generic message when the readiness check throws', async () => {
    const { app, service } = await startApi();
    service.failure = new Error('sqlite: /var/lib/canaryd/secret-path.db is locked');
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    expect(errorOf(response)).toMatchObject({ status: 503, code: 'not-ready' });
    expect(response.body).not.toContain('secret-path');
  });
});

describe('errors outside the routes', () => {
  it('answers 404 not-found for an unknown route and an unknown method', async () => {
    const { app } = await startApi();
    for (const [method, url] of [
      ['GET', '/v2/analyses'],
      ['DELETE', '/v1/analyses/a'],
    ] as const) {
      const response = await app.inject({ method, url });
      expect(errorOf(response)).toMatchObject({ status: 404, code: 'not-found', keys: ['error'] });
      expect(errorOf(response).message).toContain(`${method} ${url}`);
    }
  });

  it('answers 500 internal without message, stack or secret for an unexpected error, and logs it', async () => {
    const { app, service, logLines } = await startApi();
    service.failure = new TypeError('cannot read token=s3cr3t of undefined');
    const response = await app.inject({ method: 'POST', url: '/v1/analyses', payload: VALID_CREATE });
    const error = errorOf(response);
    expect(error).toMatchObject({ status: 500, code: 'internal', field: undefined });
    expect(error.message).toBe('internal error; the details are in the daemon log');
    expect(response.body).not.toMatch(/s3cr3t|TypeError|at .*\.ts/);
    const logged = logLines().find((line) => line['level'] === 50);
    expect(JSON.stringify(logged)).toContain('s3cr3t');
  });

  it('answers 500 for an error from the service that merely carries a 4xx statusCode', async () => {
    const { app, service } = await startApi();
    service.failure = Object.assign(new Error('upstream said 401 for token=abc'), { statusCode: 401 });
    const response = await app.inject({ method: 'GET', url: '/v1/analyses' });
    expect(errorOf(response)).toMatchObject({ status: 500, code: 'internal' });
    expect(response.body).not.toContain('token=abc');
  });

  it('answers 500 internal when the service answers something the response schema refuses', async () => {
    const { app, service, logLines } = await startApi();
    service.put(makeView({ id: 'bad', weight: Number.NaN, startedAt: 'yesterday' }));
    const response = await app.inject({ method: 'GET', url: '/v1/analyses/bad' });
    expect(errorOf(response)).toMatchObject({ status: 500, code: 'internal' });
    expect(JSON.stringify(logLines())).toContain("Response doesn't match the schema");
    const verdict = await app.inject({ method: 'GET', url: '/v1/analyses/bad/verdict' });
    expect(errorOf(verdict)).toMatchObject({ status: 500, code: 'internal' });
  });

  it('does not leak extra fields the service adds to a view', async () => {
    const { app, service } = await startApi();
    service.put({ ...makeView({ id: 'a' }), judgeMemory: { secret: 1 } } as ReturnType<typeof makeView>);
    const response = await app.inject({ method: 'GET', url: '/v1/analyses/a' });
    expect(response.statusCode).toBe(200);
    expect(response.body).not.toContain('judgeMemory');
  });

  it('logs refusals at info with their code and field, not as failures', async () => {
    const { app, logLines } = await startApi();
    await app.inject({ method: 'POST', url: '/v1/analyses', payload: { ...VALID_CREATE, mode: 'steer' } });
    const refusal = logLines().find((line) => line['msg'] === 'request refused');
    expect(refusal).toMatchObject({ level: 30, status: 400, code: 'invalid-request', field: 'mode' });
    expect(logLines().some((line) => (line['level'] as number) >= 50)).toBe(false);
  });

  it('builds without a logger', async () => {
    const { buildServer } = await import('../../../src/http/server.js');
    const { FakeAnalysisService } = await import('./fake-service.js');
    const app = await buildServer({ service: new FakeAnalysisService(), metrics: async () => ({ contentType: 'text/plain', body: '' }) });
    try {
      const response = await app.inject({ method: 'GET', url: '/nowhere' });
      expect(errorOf(response)).toMatchObject({ status: 404, code: 'not-found' });
    } finally {
      await app.close();
    }
  });
});
