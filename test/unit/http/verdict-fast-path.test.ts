// The poller's fast path (src/http/verdict-fast-path.ts), over real loopback HTTP (app.inject does
// not pass through the server's request listener): a cached verdict is answered before fastify with
// exactly fastify's answer; every other request (a miss, a query string, HEAD, a refused caller, a
// closing server, debug logging) is fastify's to answer.

import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';

import type { TokenPrincipal } from '../../../src/control/types.js';
import type { VerdictView } from '../../../src/daemon/service-types.js';
import type { AccessControl } from '../../../src/http/auth.js';
import { buildServer } from '../../../src/http/server.js';
import { verdictFastPath } from '../../../src/http/verdict-fast-path.js';
import { FakeAnalysisService } from './fake-service.js';
import { VALID_CREATE } from './harness.js';

/** A service with the daemon's verdict cache: verdictBody fills it (and counts the polls fastify served). */
class CachingService extends FakeAnalysisService {
  readonly bodies = new Map<string, string>();
  routeReads = 0;
  /** When set, the cache throws it (or answers it, when it is not an Error). */
  broken: unknown = null;

  async verdictBody(id: string, serialize: (view: VerdictView) => string): Promise<string> {
    this.routeReads += 1;
    const body = serialize(await this.verdict(id));
    this.bodies.set(id, body);
    return body;
  }

  peekVerdictBody(id: string): string | undefined {
    if (this.broken instanceof Error) throw this.broken;
    if (this.broken !== null) return this.broken as string;
    return this.bodies.get(id);
  }
}

const READER: TokenPrincipal = { name: 'argo', token: 'argo-token-000000000000000001', scopes: ['read'], environments: null };
const APPROVER: TokenPrincipal = { name: 'bob', token: 'bob-token-0000000000000000002', scopes: ['approve'], environments: null };

const open: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((app) => app.close()));
});

async function serve(options: { access?: AccessControl; level?: string } = {}) {
  const service = new CachingService();
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: options.level ?? 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  const app = await buildServer({
    service,
    metrics: async () => ({ contentType: 'text/plain', body: '' }),
    logger,
    ...(options.access === undefined ? {} : { access: options.access }),
  });
  open.push(app);
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const { id } = await service.create(VALID_CREATE);
  return { service, base, id, lines };
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

async function get(url: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(url, init);
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    if (key !== 'date') headers[key] = value;
  });
  return { status: response.status, headers, body: await response.text() };
}

describe('the verdict fast path', () => {
  it('answers a cached verdict without fastify, byte for byte what the route answered', async () => {
    const { service, base, id } = await serve();
    const url = `${base}/v1/analyses/${id}/verdict`;
    const fromRoute = await get(url);
    expect(fromRoute.status).toBe(200);
    expect(service.routeReads).toBe(1);
    const polls = await Promise.all([get(url), get(url), get(url)]);
    expect(service.routeReads).toBe(1);
    for (const poll of polls) expect(poll).toEqual(fromRoute);
    expect(fromRoute.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(Number(fromRoute.headers['content-length'])).toBe(Buffer.byteLength(fromRoute.body));
    expect(JSON.parse(fromRoute.body)).toMatchObject({ verdict: 'continue', step: 0 });
  });

  it('leaves to fastify a miss, an unknown id, a query string, HEAD, other paths and percent-encoding', async () => {
    const { service, base, id } = await serve();
    const url = `${base}/v1/analyses/${id}/verdict`;
    await get(url);
    const reads = (): number => service.routeReads;
    expect((await get(`${base}/v1/analyses/nope/verdict`)).status).toBe(404);
    expect(reads()).toBe(2);
    expect((await get(`${url}?weight=20`)).status).toBe(200);
    expect(reads()).toBe(3);
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(reads()).toBe(4);
    expect((await get(`${url}/`)).status).toBe(404);
    expect(id).toBe('an-1');
    expect((await get(`${base}/v1/analyses/%61n-1/verdict`)).status).toBe(200);
    expect(reads()).toBe(5);
    expect((await get(`${base}/v1/analyses//verdict`)).status).toBe(400);
    const before = reads();
    expect((await get(url)).status).toBe(200);
    expect(reads()).toBe(before);
  });

  it('a cache that throws or answers no string leaves the poll to fastify (no crash)', async () => {
    const { service, base, id } = await serve();
    const url = `${base}/v1/analyses/${id}/verdict`;
    service.broken = new Error('cache broken');
    expect((await get(url)).status).toBe(200);
    expect((await get(url)).status).toBe(200);
    service.broken = Promise.resolve('{}');
    expect((await get(url)).status).toBe(200);
    expect(service.routeReads).toBe(3);
  });

  it('with auth: only a reader with an allowed Host gets the fast answer; every refusal is fastify’s', async () => {
    const { service, base, id } = await serve({ access: { principals: [READER, APPROVER], allowedHosts: ['127.0.0.1'] } });
    const url = `${base}/v1/analyses/${id}/verdict`;
    const reader = { authorization: `Bearer ${READER.token}` };
    expect((await get(url, { headers: reader })).status).toBe(200);
    expect(service.routeReads).toBe(1);

    const missing = await get(url);
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="canaryd"');
    expect((await get(url, { headers: { authorization: 'Bearer not-a-known-token-000000000' } })).status).toBe(401);
    expect((await get(url, { headers: { authorization: `Basic ${READER.token}` } })).status).toBe(401);
    expect((await get(url, { headers: { authorization: `Bearer ${APPROVER.token}` } })).status).toBe(403);
    const elsewhere = await get(url.replace('127.0.0.1', 'localhost'), { headers: reader });
    expect(elsewhere.status).toBe(421);
    expect(service.routeReads).toBe(1);

    expect((await get(url, { headers: reader })).status).toBe(200);
    expect(service.routeReads).toBe(1);
  });

  it('at debug level every poll goes through fastify and is logged', async () => {
    const { service, base, id, lines } = await serve({ level: 'debug' });
    const url = `${base}/v1/analyses/${id}/verdict`;
    for (let poll = 0; poll < 3; poll++) expect((await get(url)).status).toBe(200);
    expect(service.routeReads).toBe(3);
    expect(lines.filter((line) => line.msg === 'request' && line.path === `/v1/analyses/${id}/verdict`)).toHaveLength(3);
  });

  it('answers nothing once closed (fastify answers 503 while it closes)', () => {
    const fastPath = verdictFastPath({ peek: () => '{}', access: { principals: null, allowedHosts: null }, logsEveryRequest: () => false });
    const poll = (): { answered: boolean; status: number } => {
      const request = new IncomingMessage(new Socket());
      request.method = 'GET';
      request.url = '/v1/analyses/a1/verdict';
      const response = new ServerResponse(request);
      return { answered: fastPath.answer(request, response), status: response.statusCode };
    };
    expect(poll()).toEqual({ answered: true, status: 200 });
    fastPath.close();
    expect(poll().answered).toBe(false);
  });
});
