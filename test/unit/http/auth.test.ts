// Bearer auth, scopes and the Host check at the HTTP edge (fake service; app.inject).

import { describe, expect, it } from 'vitest';
import { defaultAllowedHosts, findPrincipal, hostName, tokenMatcher } from '../../../src/http/auth.js';
import type { TokenPrincipal } from '../../../src/control/types.js';
import { errorOf, json, startApi, VALID_CREATE } from './harness.js';

const PRINCIPALS: TokenPrincipal[] = [
  { name: 'argo-rollouts', token: 'argo-secret-token-000000000001', scopes: ['read', 'analyses:create'], environments: null },
  { name: 'alice', token: 'alice-secret-token-00000000002', scopes: ['read', 'actions', 'approve'], environments: ['staging'] },
];
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const ARGO = bearer('argo-secret-token-000000000001');
const ALICE = bearer('alice-secret-token-00000000002');

async function api() {
  return startApi({ access: { principals: PRINCIPALS, allowedHosts: defaultAllowedHosts('127.0.0.1') } });
}

describe('bearer auth on /v1', () => {
  it('401 unauthenticated without a token or with an unknown one, with WWW-Authenticate', async () => {
    const { app } = await api();
    for (const headers of [{}, bearer('nope'), { authorization: 'Basic YTpi' }, bearer('argo-secret-token-00000000000')]) {
      const response = await app.inject({ method: 'GET', url: '/v1/analyses', headers });
      expect(errorOf(response)).toMatchObject({ status: 401, code: 'unauthenticated' });
      expect(response.headers['www-authenticate']).toBe('Bearer realm="canaryd"');
    }
    const create = await app.inject({ method: 'POST', url: '/v1/analyses', payload: VALID_CREATE });
    expect(errorOf(create)).toMatchObject({ status: 401, code: 'unauthenticated' });
  });

  it('403 forbidden for a scope the principal lacks; the route runs with the scope', async () => {
    const { app, service } = await api();
    const denied = await app.inject({ method: 'POST', url: '/v1/analyses', payload: VALID_CREATE, headers: ALICE });
    expect(errorOf(denied)).toMatchObject({ status: 403, code: 'forbidden' });
    expect(errorOf(denied).message).toContain('analyses:create');
    expect(service.created).toEqual([]);
    const created = await app.inject({ method: 'POST', url: '/v1/analyses', payload: VALID_CREATE, headers: ARGO });
    expect(created.statusCode).toBe(201);
    const id = (json(created) as { id: string }).id;
    const act = await app.inject({ method: 'POST', url: `/v1/analyses/${id}/actions`, payload: { action: 'pause', reason: 'r', actor: 'x' }, headers: ARGO });
    expect(errorOf(act)).toMatchObject({ status: 403, code: 'forbidden' });
    expect((await app.inject({ method: 'GET', url: '/v1/analyses', headers: ALICE })).statusCode).toBe(200);
  });

  it('/healthz, /readyz and /metrics stay open', async () => {
    const { app } = await api();
    for (const url of ['/healthz', '/metrics']) expect((await app.inject({ method: 'GET', url })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).not.toBe(401);
  });

  it('never logs a token', async () => {
    const { app, logLines } = await api();
    await app.inject({ method: 'GET', url: '/v1/analyses', headers: ARGO });
    await app.inject({ method: 'GET', url: '/v1/analyses', headers: bearer('wrong-token-value-123456') });
    const text = JSON.stringify(logLines());
    expect(text).not.toContain('argo-secret-token');
    expect(text).not.toContain('wrong-token-value');
  });

  it('without auth (loopback) every route is open, as before', async () => {
    const { app } = await startApi();
    expect((await app.inject({ method: 'POST', url: '/v1/analyses', payload: VALID_CREATE })).statusCode).toBe(201);
  });
});

describe('Host check', () => {
  it('421 misdirected-request for a Host not allowed (DNS rebinding)', async () => {
    const { app } = await api();
    const response = await app.inject({ method: 'GET', url: '/v1/analyses', headers: { ...ARGO, host: 'evil.example:8080' } });
    expect(errorOf(response)).toMatchObject({ status: 421, code: 'misdirected-request' });
    for (const host of ['localhost:8080', '127.0.0.1:8080', '[::1]:8080', '127.0.0.1']) {
      expect((await app.inject({ method: 'GET', url: '/v1/analyses', headers: { ...ARGO, host } })).statusCode).toBe(200);
    }
  });

  it('hostName strips ports and brackets', () => {
    expect(hostName('Example.COM:80')).toBe('example.com');
    expect(hostName('[::1]:8080')).toBe('::1');
    expect(hostName(undefined)).toBe('');
  });
});

describe('findPrincipal', () => {
  it('finds by exact token only', () => {
    expect(findPrincipal(PRINCIPALS, 'alice-secret-token-00000000002')?.name).toBe('alice');
    expect(findPrincipal(PRINCIPALS, 'alice-secret-token-0000000000')).toBeNull();
    expect(findPrincipal(PRINCIPALS, '')).toBeNull();
  });

  it('a matcher made once answers every principal and refuses near misses, repeatedly', () => {
    const match = tokenMatcher(PRINCIPALS);
    for (let round = 0; round < 3; round++) {
      for (const principal of PRINCIPALS) expect(match(principal.token)).toBe(principal);
      expect(match(`${PRINCIPALS[0]?.token ?? ''}x`)).toBeNull();
      expect(match((PRINCIPALS[0]?.token ?? '').toUpperCase())).toBeNull();
    }
    expect(tokenMatcher([])('anything')).toBeNull();
  });
});

describe('request bodies', () => {
  it('a __proto__ key is refused with a message that says so', async () => {
    const { app } = await startApi();
    const response = await app.inject({
      method: 'POST',
      url: '/v1/analyses',
      headers: { 'content-type': 'application/json' },
      payload: '{"template":"x","__proto__":{"admin":true}}',
    });
    expect(errorOf(response)).toMatchObject({ status: 400, code: 'invalid-request', field: '__proto__' });
    expect(errorOf(response).message).toContain('"__proto__" key');
  });
});

describe('OpenAPI', () => {
  it('documents the bearer security scheme and every control route; operations stay open', async () => {
    const unused = async (): Promise<never> => {
      throw new Error('not called');
    };
    const control = { listApprovals: unused, decideApproval: unused, createFreeze: unused, listFreezes: unused, liftFreeze: unused, controlEvents: unused };
    const { app } = await startApi({ control });
    const document = json(await app.inject({ method: 'GET', url: '/openapi.json' })) as {
      security: unknown;
      components: { securitySchemes: Record<string, { type: string; scheme: string }>; schemas: Record<string, unknown> };
      paths: Record<string, Record<string, { security?: unknown; responses: Record<string, unknown> }>>;
    };
    expect(document.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(document.security).toEqual([{ bearerAuth: [] }]);
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/v1/approvals', '/v1/approvals/{id}', '/v1/freezes', '/v1/freezes/{id}', '/v1/control/events']),
    );
    expect(Object.keys(document.paths['/v1/freezes'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(document.paths['/v1/freezes/{id}']?.delete).toBeDefined();
    expect(document.paths['/healthz']?.get?.security).toEqual([]);
    expect(document.paths['/v1/analyses']?.post?.responses).toHaveProperty('401');
    expect(document.components.schemas).toHaveProperty('Approval');
    expect(document.components.schemas).toHaveProperty('ApprovalPacket');
    expect(document.components.schemas).toHaveProperty('Freeze');
  });
});
