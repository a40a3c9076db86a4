import { describe, expect, it } from 'vitest';
import { classifyHttpStatus } from '../../../src/sources/prometheus/errors.js';
import { redactCredentialPatterns, redactSecrets, snippet } from '../../../src/sources/prometheus/messages.js';

const TOKEN = 'tok_9f8e7d6c5b4a39281706f5e4d3'; // 28 characters

/** Every run of 6+ characters of the token that would still be a usable fragment. */
function fragments(text: string, secret: string, length = 6): string[] {
  const found: string[] = [];
  for (let start = 0; start + length <= secret.length; start += 1) {
    const piece = secret.slice(start, start + length);
    if (text.includes(piece)) found.push(piece);
  }
  return found;
}

describe('redaction runs before truncation', () => {
  // The token straddles the 160-character cut of a snippet.
  const page = `<html><head><title>401</title></head><body><h1>Unauthorized</h1><p>debug: request headers follow</p><pre>Host: prom\nAuthorization: Bearer ${TOKEN}\nUser-Agent: canaryd</pre></body></html>`;

  it('a cut-off token in an error page leaves no fragment, even without knowing the secret', () => {
    expect(page.indexOf(TOKEN)).toBeLessThan(160);
    expect(page.indexOf(TOKEN) + TOKEN.length).toBeGreaterThan(160);
    const detail = classifyHttpStatus({ status: 401, statusText: 'Unauthorized', body: page }).detail;
    expect(fragments(detail, TOKEN)).toEqual([]);
    expect(fragments(snippet(page), TOKEN)).toEqual([]);
  });

  it('known secrets are redacted in the whole text first', () => {
    const body = `${'x'.repeat(150)} echo=${TOKEN}`;
    expect(fragments(snippet(body, [TOKEN]), TOKEN)).toEqual([]);
    expect(redactSecrets(`a ${TOKEN} b`, [TOKEN])).toBe('a <redacted> b');
  });

  it('header-like, scheme and URL-credential patterns are redacted even when partial', () => {
    expect(redactCredentialPatterns('Authorization: Bearer abc')).toBe('Authorization: <redacted>');
    expect(redactCredentialPatterns('"authorization":"Basic dXNlcjpw')).toBe('"authorization":<redacted>');
    expect(redactCredentialPatterns('cookie: session=abcdef; other=1')).toBe('cookie: <redacted>');
    expect(redactCredentialPatterns('got Bearer eyJhbGciOi.partial')).toBe('got Bearer <redacted>');
    expect(redactCredentialPatterns('http://admin:hunter2@prom:9090/api')).toBe('http://<redacted>@prom:9090/api');
    expect(redactCredentialPatterns('?access_token=abc123&x=1')).toBe('?access_token=<redacted>&x=1');
    expect(redactCredentialPatterns('no credentials in this error: query timed out')).toBe('no credentials in this error: query timed out');
  });
});
