import { describe, expect, it } from 'vitest';
import { classifyApiError, classifyHttpStatus, classifyTransportError } from '../../../src/sources/prometheus/errors.js';

const promError = (errorType: string, error: string): string => JSON.stringify({ status: 'error', errorType, error });

describe('classifyHttpStatus', () => {
  it("reports 400 and 422 as rejected queries with Prometheus' own text", () => {
    expect(classifyHttpStatus({ status: 400, statusText: 'Bad Request', body: promError('bad_data', '1:5: parse error: unexpected <EOF>') })).toEqual({
      kind: 'rejected-query',
      detail: 'rejected query: 1:5: parse error: unexpected <EOF>',
    });
    expect(classifyHttpStatus({ status: 422, statusText: '', body: promError('execution', 'many-to-many matching not allowed') })).toEqual({
      kind: 'rejected-query',
      detail: 'rejected query: many-to-many matching not allowed',
    });
    expect(classifyHttpStatus({ status: 400, statusText: 'Bad Request', body: 'nope' }).detail).toBe('rejected query: HTTP 400 Bad Request: "nope"');
  });

  it('reports 401 and 403 as auth failures', () => {
    expect(classifyHttpStatus({ status: 401, statusText: 'Unauthorized', body: '' })).toEqual({
      kind: 'auth',
      detail: 'authentication failed: HTTP 401 Unauthorized: (empty body)',
    });
    expect(classifyHttpStatus({ status: 403, statusText: 'Forbidden', body: '{"error":"tenant denied"}' }).kind).toBe('auth');
  });

  it('reports 5xx with status and error text, and a server-side query timeout as a timeout', () => {
    expect(classifyHttpStatus({ status: 500, statusText: 'Internal Server Error', body: promError('internal', 'disk full') })).toEqual({
      kind: 'server-error',
      detail: 'server error: HTTP 500 Internal Server Error: disk full',
    });
    expect(
      classifyHttpStatus({ status: 503, statusText: 'Service Unavailable', body: promError('timeout', 'query timed out in expression evaluation') }),
    ).toMatchObject({
      kind: 'timeout',
      detail: expect.stringContaining('query timed out in expression evaluation'),
    });
  });

  it('explains a redirect and a 404 (wrong path prefix)', () => {
    expect(classifyHttpStatus({ status: 302, statusText: 'Found', body: '', location: 'https://sso/login' })).toEqual({
      kind: 'server-error',
      detail: 'HTTP 302 Found: redirected to https://sso/login; configure the source with the final URL',
    });
    expect(classifyHttpStatus({ status: 404, statusText: 'Not Found', body: '404 page not found' }).detail).toContain('path prefix');
  });

  it('shortens a long body to one line', () => {
    const detail = classifyHttpStatus({ status: 502, statusText: 'Bad Gateway', body: `<html>\n  ${'x'.repeat(1000)}</html>` }).detail;
    expect(detail).toMatch(/^server error: HTTP 502 Bad Gateway: "<html> x+…"$/);
    expect(detail.length).toBeLessThan(220);
  });
});

describe('classifyApiError', () => {
  it('maps errorType to a kind', () => {
    expect(classifyApiError('bad_data', 'x').kind).toBe('rejected-query');
    expect(classifyApiError('execution', 'x').kind).toBe('rejected-query');
    expect(classifyApiError('timeout', 'x').kind).toBe('timeout');
    expect(classifyApiError('internal', 'x').kind).toBe('server-error');
    expect(classifyApiError(undefined, undefined)).toEqual({ kind: 'server-error', detail: 'server error: error of type unknown' });
  });
});

describe('classifyTransportError', () => {
  const nodeError = (code: string, message: string): Error & { code: string } => Object.assign(new Error(message), { code });
  /** The shape axios gives: its own code, Node's error as cause. */
  const axiosLike = (code: string, cause?: Error): Error & { code: string; cause?: Error } =>
    Object.assign(new Error(cause?.message ?? ''), { code, ...(cause ? { cause } : {}) });

  it.each([
    ['ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9090', 'connection refused'],
    ['ENOTFOUND', 'getaddrinfo ENOTFOUND prometheus.internal', 'host not found (DNS)'],
    ['EAI_AGAIN', 'getaddrinfo EAI_AGAIN prometheus.internal', 'host name lookup failed (DNS)'],
    ['ECONNRESET', 'read ECONNRESET', 'connection reset'],
    ['EHOSTUNREACH', 'connect EHOSTUNREACH 10.0.0.1:9090', 'host unreachable'],
  ])('reports %s as unreachable', (code, message, said) => {
    const failure = classifyTransportError(nodeError(code, message), 1000, false);
    expect(failure).toEqual({ kind: 'unreachable', detail: `unreachable: ${said} (${message})` });
  });

  it('uses the cause of an axios error, and the code when the message is empty (AggregateError)', () => {
    const aggregate = axiosLike('ECONNREFUSED');
    expect(classifyTransportError(aggregate, 1000, false)).toEqual({
      kind: 'unreachable',
      detail: 'unreachable: connection refused (ECONNREFUSED)',
    });
    const wrapped = axiosLike('ERR_BAD_REQUEST', nodeError('ENOTFOUND', 'getaddrinfo ENOTFOUND x'));
    expect(classifyTransportError(wrapped, 1000, false).detail).toContain('host not found (DNS)');
  });

  it('reports our deadline and socket timeouts as timeouts', () => {
    expect(classifyTransportError(axiosLike('ERR_CANCELED'), 250, true)).toEqual({
      kind: 'timeout',
      detail: 'timed out after 250ms without an answer',
    });
    expect(classifyTransportError(nodeError('ETIMEDOUT', 'connect ETIMEDOUT'), 250, false).kind).toBe('timeout');
  });

  it('reports TLS verification failures as unreachable, saying so', () => {
    const failure = classifyTransportError(nodeError('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'), 1000, false);
    expect(failure).toEqual({
      kind: 'unreachable',
      detail: 'unreachable: TLS verification failed (DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate)',
    });
    expect(classifyTransportError(nodeError('ERR_TLS_CERT_ALTNAME_INVALID', 'altname'), 1000, false).detail).toContain('TLS');
  });

  it('reports an oversized answer as malformed', () => {
    expect(classifyTransportError(axiosLike('ERR_BAD_RESPONSE', new Error('maxContentLength size of 67108864 exceeded')), 1000, false).kind).toBe(
      'malformed-answer',
    );
  });
});
