// The webhook adapter against a real HTTP server on a free loopback port.

import http, { type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { idempotencyKey, type AdapterRequest, type Sleeper } from '../../src/adapters/types.js';
import { createWebhookAdapter, verifyWebhookSignature } from '../../src/adapters/webhook.js';

interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
}

interface Receiver {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

const servers: Receiver[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

/** `answer` gets the attempt number (1-based); returning null leaves the request unanswered. */
// biome-ignore lint/suspicious/noConfusingVoidType: handlers that answer return nothing (void); only a deliberate null leaves the request unanswered
async function startReceiver(answer: (attempt: number, response: ServerResponse) => void | null): Promise<Receiver> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, rawBody: Buffer.concat(chunks).toString('utf8') });
      answer(received.length, res);
    });
  });
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const { port } = server.address() as AddressInfo;
  const receiver: Receiver = {
    url: `http://127.0.0.1:${port}/canary/hook`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  servers.push(receiver);
  return receiver;
}

function status(code: number, body = '') {
  return (_attempt: number, response: ServerResponse) => {
    response.writeHead(code, { 'Content-Type': 'text/plain' });
    response.end(body);
  };
}

class RecordingSleeper implements Sleeper {
  readonly delays: number[] = [];
  async sleep(ms: number): Promise<void> {
    this.delays.push(ms);
  }
}

const SECRET = 'hunter2-very-secret-webhook-key';
const NOW_MS = Date.parse('2025-03-01T12:00:00.000Z');
const EVIDENCE = 'ab'.repeat(32);

const request: AdapterRequest = {
  analysisId: 'an-1',
  action: 'set-weight',
  weight: 25,
  step: 2,
  target: { service: 'checkout', environment: 'prod', version: 'v2.3.0' },
  rule: { id: 'healthy', group: 'promote' },
  evidenceHash: EVIDENCE,
  idempotencyKey: idempotencyKey('an-1', 2, 'set-weight', EVIDENCE),
  at: '2025-03-01T12:00:00.000Z',
};

describe('webhook adapter', () => {
  it('POSTs exactly the contract body and headers, signed over the raw bytes', async () => {
    const receiver = await startReceiver(status(204));
    const adapter = createWebhookAdapter({ name: 'deployer', url: receiver.url, secret: SECRET, timeoutMs: 2000, retries: 0, now: () => NOW_MS });
    const result = await adapter.call(request);
    expect(result).toEqual({ ok: true, attempts: 1, status: 204 });
    expect(adapter).toMatchObject({ name: 'deployer', type: 'webhook' });

    expect(receiver.received).toHaveLength(1);
    const [got] = receiver.received;
    if (!got) throw new Error('nothing received');
    expect(got.method).toBe('POST');
    expect(got.path).toBe('/canary/hook');
    expect(got.rawBody).toBe(
      '{"analysisId":"an-1","action":"set-weight","weight":25,"step":2,' +
        '"target":{"service":"checkout","environment":"prod","version":"v2.3.0"},' +
        `"rule":{"id":"healthy","group":"promote"},"evidenceHash":"${EVIDENCE}",` +
        `"idempotencyKey":"an-1:2:set-weight:${EVIDENCE}","at":"2025-03-01T12:00:00.000Z"}`,
    );
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['idempotency-key']).toBe(`an-1:2:set-weight:${EVIDENCE}`);
    const signature = got.headers['canaryd-signature'];
    expect(signature).toMatch(/^t=1740830400,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(SECRET, String(signature), got.rawBody, NOW_MS / 1000)).toBe(true);
    expect(verifyWebhookSignature('wrong-secret', String(signature), got.rawBody, NOW_MS / 1000)).toBe(false);
    expect(verifyWebhookSignature(SECRET, String(signature), got.rawBody.replace('25', '26'), NOW_MS / 1000)).toBe(false);
  });

  it('a release rollback adds toVersion, actor and reason after the contract fields, inside the signature', async () => {
    const receiver = await startReceiver(status(200));
    const adapter = createWebhookAdapter({ name: 'deployer', url: receiver.url, secret: SECRET, timeoutMs: 2000, retries: 0, now: () => NOW_MS });
    const key = idempotencyKey('an-1', 2, 'rollback', EVIDENCE);
    const rollback: AdapterRequest = {
      ...request,
      action: 'rollback',
      weight: 0,
      rule: { id: 'manual', group: 'builtin' },
      idempotencyKey: key,
      toVersion: 'v2.2.9',
      actor: 'release-manager',
      reason: 'p95 regression',
    };
    expect(await adapter.call(rollback)).toMatchObject({ ok: true, attempts: 1 });
    const [got] = receiver.received;
    if (!got) throw new Error('nothing received');
    expect(got.rawBody).toBe(
      '{"analysisId":"an-1","action":"rollback","weight":0,"step":2,' +
        '"target":{"service":"checkout","environment":"prod","version":"v2.3.0"},' +
        `"rule":{"id":"manual","group":"builtin"},"evidenceHash":"${EVIDENCE}",` +
        `"idempotencyKey":"${key}","at":"2025-03-01T12:00:00.000Z",` +
        '"toVersion":"v2.2.9","actor":"release-manager","reason":"p95 regression"}',
    );
    const signature = String(got.headers['canaryd-signature']);
    expect(verifyWebhookSignature(SECRET, signature, got.rawBody, NOW_MS / 1000)).toBe(true);
    expect(verifyWebhookSignature(SECRET, signature, got.rawBody.replace('v2.2.9', 'v1.0.0'), NOW_MS / 1000)).toBe(false);
  });

  it('sends no signature without a secret', async () => {
    const receiver = await startReceiver(status(200));
    const adapter = createWebhookAdapter({ name: 'deployer', url: receiver.url, timeoutMs: 2000, retries: 0 });
    expect(await adapter.call({ ...request, rule: null })).toMatchObject({ ok: true, attempts: 1 });
    expect(receiver.received[0]?.headers['canaryd-signature']).toBeUndefined();
    expect(JSON.parse(receiver.received[0]?.rawBody ?? '{}')).toMatchObject({ rule: null });
  });

  it('500 then 200: succeeds on the second attempt with the same key and body, freshly signed', async () => {
    const receiver = await startReceiver((attempt, response) => status(attempt === 1 ? 500 : 200)(attempt, response));
    const sleeper = new RecordingSleeper();
    let clock = NOW_MS;
    const adapter = createWebhookAdapter({
      name: 'deployer',
      url: receiver.url,
      secret: SECRET,
      timeoutMs: 2000,
      retries: 3,
      sleeper,
      now: () => (clock += 7_000),
    });
    expect(await adapter.call(request)).toEqual({ ok: true, attempts: 2, status: 200 });
    expect(sleeper.delays).toHaveLength(1);
    const [first, second] = receiver.received;
    if (!first || !second) throw new Error('expected two attempts');
    expect(second.headers['idempotency-key']).toBe(first.headers['idempotency-key']);
    expect(second.rawBody).toBe(first.rawBody);
    expect(first.headers['canaryd-signature']).not.toBe(second.headers['canaryd-signature']);
    expect(verifyWebhookSignature(SECRET, String(second.headers['canaryd-signature']), second.rawBody, clock / 1000)).toBe(true);
  });

  it('always 500: fails after retries + 1 attempts with growing backoffs', async () => {
    const receiver = await startReceiver(status(500, 'deployer is on fire'));
    const sleeper = new RecordingSleeper();
    const adapter = createWebhookAdapter({ name: 'deployer', url: receiver.url, secret: SECRET, timeoutMs: 2000, retries: 3, sleeper, now: () => NOW_MS });
    const result = await adapter.call(request);
    expect(result.ok).toBe(false);
    expect(result.attempts).toBe(4);
    if (result.ok) return;
    expect(result.error).toContain('deployer');
    expect(result.error).toContain('500');
    expect(result.error).toContain('deployer is on fire');
    expect(result.error).toContain('4 attempt');
    expect(receiver.received).toHaveLength(4);
    expect(new Set(receiver.received.map((r) => r.headers['idempotency-key']))).toEqual(new Set([request.idempotencyKey]));
    expect(new Set(receiver.received.map((r) => r.rawBody)).size).toBe(1);
    expect(sleeper.delays).toHaveLength(3);
    const [d1, d2, d3] = sleeper.delays as [number, number, number];
    expect(d1).toBeGreaterThanOrEqual(250);
    expect(d2).toBeGreaterThan(d1);
    expect(d3).toBeGreaterThan(d2);
    expect(d3).toBeLessThanOrEqual(2000);
  });

  it('times out an unanswered request and retries it', async () => {
    const receiver = await startReceiver(() => null);
    const sleeper = new RecordingSleeper();
    const adapter = createWebhookAdapter({ name: 'deployer', url: receiver.url, timeoutMs: 150, retries: 1, sleeper });
    const started = Date.now();
    const result = await adapter.call(request);
    expect(result).toMatchObject({ ok: false, attempts: 2 });
    if (!result.ok) expect(result.error).toMatch(/no answer within 150ms/);
    expect(receiver.received).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('reports a refused connection as a failure, not an exception', async () => {
    const receiver = await startReceiver(status(200));
    await receiver.close();
    servers.splice(servers.indexOf(receiver), 1);
    const adapter = createWebhookAdapter({ name: 'deployer', url: receiver.url, timeoutMs: 1000, retries: 2, sleeper: new RecordingSleeper() });
    const result = await adapter.call(request);
    expect(result).toMatchObject({ ok: false, attempts: 3 });
    if (!result.ok) expect(result.error).toMatch(/ECONNREFUSED/);
  });

  it('does not follow redirects: a 3xx is not success', async () => {
    const receiver = await startReceiver((_attempt, response) => {
      response.writeHead(302, { Location: '/elsewhere' });
      response.end();
    });
    const adapter = createWebhookAdapter({ name: 'deployer', url: receiver.url, timeoutMs: 1000, retries: 0 });
    expect(await adapter.call(request)).toMatchObject({ ok: false, attempts: 1 });
    expect(receiver.received.map((r) => r.path)).toEqual(['/canary/hook']);
  });

  it('never puts the secret in its error text, even when the receiver echoes it', async () => {
    const receiver = await startReceiver(status(401, `bad signature; expected a key like ${SECRET}`));
    const adapter = createWebhookAdapter({
      name: 'deployer',
      url: receiver.url.replace('http://', 'http://user:pw@'),
      secret: SECRET,
      timeoutMs: 1000,
      retries: 1,
      sleeper: new RecordingSleeper(),
    });
    const result = await adapter.call(request);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toContain('401');
    expect(result.error).not.toContain(SECRET);
    expect(result.error).not.toContain('pw@');
    expect(result.error).toContain('[redacted]');
  });
});
