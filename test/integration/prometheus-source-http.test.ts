// The Prometheus source against small local HTTP servers that answer what a real Prometheus
// (or a proxy in front of it) rarely does: slowness, HTML, 5xx, 401/403, and header checks.

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import type { Measurement } from '../../src/analysis/types.js';
import { createPrometheusSource } from '../../src/sources/prometheus/source.js';
import type { MetricSource, PrometheusSourceOptions } from '../../src/sources/types.js';
import { sendJson, startFakeServer, type FakeHandler, type FakeServer } from '../helpers/fake-http.js';

const TOKEN = 'tok-3f9a1c-very-secret';
const PASSWORD = 'pa55-w0rd-secret';
const ONE_VALUE = { status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, '7'] }] } };

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(handler: FakeHandler, tls?: { key: string; cert: string }): Promise<FakeServer> {
  const server = await startFakeServer(handler, tls ? { tls } : {});
  cleanups.push(() => server.close());
  return server;
}

function sourceFor(url: string, extra: Partial<PrometheusSourceOptions> = {}): MetricSource {
  const source = createPrometheusSource({ name: 'fake', url, timeoutMs: 2_000, ...extra });
  cleanups.push(async () => source.close?.());
  return source;
}

function expectError(measurement: Measurement, kind: string): string {
  expect(measurement).toMatchObject({ kind: 'error', error: { kind } });
  return measurement.kind === 'error' ? measurement.error.message : '';
}

describe('Prometheus source against odd HTTP answers', () => {
  it('POSTs form-encoded queries under the URL path prefix, with time in seconds', async () => {
    const server = await serve((_req, res) => sendJson(res, 200, ONE_VALUE));
    const source = sourceFor(`${server.url}/prometheus/`);
    expect(await source.instantQuery('sum(up{job="a b"})', 1_700_000_000_123)).toEqual({ kind: 'value', value: 7 });
    const [request] = server.requests;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/prometheus/api/v1/query');
    expect(request?.headers['content-type']).toContain('application/x-www-form-urlencoded');
    const form = new URLSearchParams(request?.body);
    expect(form.get('query')).toBe('sum(up{job="a b"})');
    expect(form.get('time')).toBe('1700000000.123');

    await source.rangeQuery('up', 1_700_000_000_000, 1_700_000_600_000, 30_000);
    const range = server.requests[1];
    expect(range?.url).toBe('/prometheus/api/v1/query_range');
    const rangeForm = new URLSearchParams(range?.body);
    expect([rangeForm.get('start'), rangeForm.get('end'), rangeForm.get('step')]).toEqual(['1700000000.000', '1700000600.000', '30.000']);
  });

  it('times out on a server that never answers, after the configured timeout', async () => {
    const server = await serve(() => undefined);
    const source = sourceFor(server.url, { timeoutMs: 150 });
    const started = performance.now();
    const message = expectError(await source.instantQuery('up', 0), 'timeout');
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(message).toBe(`source "fake" (${server.url}): timed out after 150ms without an answer`);
  });

  it('reports an HTML page as a malformed answer, quoting its start', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<!DOCTYPE html><html><body>Sign in to continue</body></html>');
    });
    const message = expectError(await sourceFor(server.url).instantQuery('up', 0), 'malformed-answer');
    expect(message).toContain(`source "fake" (${server.url}): malformed answer: not JSON`);
    expect(message).toContain('Sign in to continue');
  });

  it('reports JSON of the wrong shape as malformed', async () => {
    const noType = { status: 'success', data: {} };
    const textValue = { status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, 'abc'] }] } };
    const server = await serve((req, res) => sendJson(res, 200, req.body.includes('noType') ? noType : textValue));
    const source = sourceFor(server.url);
    expect(expectError(await source.instantQuery('noType', 0), 'malformed-answer')).toContain('missing data.resultType');
    expect(expectError(await source.instantQuery('up', 0), 'malformed-answer')).toContain('non-numeric value "abc"');
  });

  it('reports a 5xx with its status and the error the body carries', async () => {
    const server = await serve((req, res) => {
      if (!req.body.includes('html')) return sendJson(res, 500, { status: 'error', errorType: 'internal', error: 'storage is on fire' });
      res.writeHead(502, { 'Content-Type': 'text/html' });
      res.end('<html>Bad gateway</html>');
    });
    const source = sourceFor(server.url);
    expect(expectError(await source.instantQuery('up', 0), 'server-error')).toBe(
      `source "fake" (${server.url}): server error: HTTP 500 Internal Server Error: storage is on fire`,
    );
    expect(expectError(await source.instantQuery('html', 0), 'server-error')).toContain('HTTP 502 Bad Gateway: "<html>Bad gateway</html>"');
  });

  it('reports 401 and 403 as auth failures', async () => {
    const server = await serve((req, res) => {
      res.writeHead(req.body.includes('forbidden') ? 403 : 401, { 'Content-Type': 'text/plain' });
      res.end('no entry');
    });
    const source = sourceFor(server.url);
    expect(expectError(await source.instantQuery('up', 0), 'auth')).toContain('authentication failed: HTTP 401 Unauthorized');
    expect(expectError(await source.instantQuery('forbidden', 0), 'auth')).toContain('HTTP 403 Forbidden');
  });

  it('sends the bearer token, basic auth (options or URL) and custom headers', async () => {
    const server = await serve((_req, res) => sendJson(res, 200, ONE_VALUE));
    await sourceFor(server.url, { bearerToken: TOKEN, headers: { 'X-Scope-OrgID': 'tenant-1' } }).instantQuery('up', 0);
    await sourceFor(server.url, { basicAuth: { username: 'canary', password: PASSWORD } }).instantQuery('up', 0);
    const withUrlUser = `${server.url.replace('http://', `http://reader:${PASSWORD}@`)}`;
    await sourceFor(withUrlUser).instantQuery('up', 0);

    const [bearer, basic, fromUrl] = server.requests;
    expect(bearer?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(bearer?.headers['x-scope-orgid']).toBe('tenant-1');
    expect(basic?.headers.authorization).toBe(`Basic ${Buffer.from(`canary:${PASSWORD}`).toString('base64')}`);
    expect(fromUrl?.headers.authorization).toBe(`Basic ${Buffer.from(`reader:${PASSWORD}`).toString('base64')}`);
  });

  it('never puts the token, password or Authorization header in a message, even when the server echoes them', async () => {
    const echo: FakeHandler = (req, res) => {
      const status = req.body.includes('bad') ? 400 : req.body.includes('denied') ? 401 : 500;
      sendJson(res, status, { status: 'error', errorType: 'bad_data', error: `got ${req.headers.authorization}` });
    };
    const server = await serve(echo);
    const withToken = sourceFor(server.url, { bearerToken: TOKEN });
    const withPassword = sourceFor(server.url.replace('http://', `http://reader:${PASSWORD}@`));
    const basic64 = Buffer.from(`reader:${PASSWORD}`).toString('base64');
    const messages = [
      expectError(await withToken.instantQuery('bad', 0), 'rejected-query'),
      expectError(await withToken.instantQuery('denied', 0), 'auth'),
      expectError(await withToken.instantQuery('boom', 0), 'server-error'),
      expectError(await withPassword.instantQuery('bad', 0), 'rejected-query'),
    ];
    await server.close();
    messages.push(expectError(await withToken.instantQuery('up', 0), 'unreachable'));
    messages.push(expectError(await withPassword.rangeQuery('up', 0, 60_000, 15_000), 'unreachable'));
    for (const message of messages) {
      expect(message).not.toContain(TOKEN);
      expect(message).not.toContain(PASSWORD);
      expect(message).not.toContain(basic64);
      expect(message).not.toContain('reader:');
    }
    expect(messages[0]).toContain('rejected query: got <redacted>');
  });

  it('verifies TLS certificates by default; a CA or insecureSkipVerify lets a self-signed one through', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'canaryd-tls-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await promisify(execFile)('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ]);
    const cert = await readFile(join(dir, 'cert.pem'), 'utf8');
    const key = await readFile(join(dir, 'key.pem'), 'utf8');
    const server = await serve((_req, res) => sendJson(res, 200, ONE_VALUE), { key, cert });

    const message = expectError(await sourceFor(server.url).instantQuery('up', 0), 'unreachable');
    expect(message).toContain('TLS verification failed');
    expect(await sourceFor(server.url, { tls: { ca: cert } }).instantQuery('up', 0)).toEqual({ kind: 'value', value: 7 });
    expect(await sourceFor(server.url, { tls: { insecureSkipVerify: true } }).instantQuery('up', 0)).toEqual({
      kind: 'value',
      value: 7,
    });
  });
});
