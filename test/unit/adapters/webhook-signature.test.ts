import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhookBody, verifyWebhookSignature } from '../../../src/adapters/webhook-signature.js';

const SECRET = 's3cret';
const BODY = '{"analysisId":"a1","action":"complete"}';
const T = 1_740_830_400;

describe('webhook signatures', () => {
  it('signs "<t>.<raw body>" with HMAC-SHA256 in hex', () => {
    const expected = createHmac('sha256', SECRET).update(`${T}.${BODY}`).digest('hex');
    expect(signWebhookBody(SECRET, BODY, T + 0.9)).toBe(`t=${T},v1=${expected}`);
  });

  it('verifies a good signature within the tolerance, in either direction', () => {
    const header = signWebhookBody(SECRET, BODY, T);
    expect(verifyWebhookSignature(SECRET, header, BODY, T)).toBe(true);
    expect(verifyWebhookSignature(SECRET, header, BODY, T + 300)).toBe(true);
    expect(verifyWebhookSignature(SECRET, header, BODY, T - 300)).toBe(true);
    expect(verifyWebhookSignature(SECRET, header, BODY, T + 301)).toBe(false);
    expect(verifyWebhookSignature(SECRET, header, BODY, T + 1000, 2000)).toBe(true);
  });

  it('rejects another secret, another body, a changed timestamp', () => {
    const header = signWebhookBody(SECRET, BODY, T);
    expect(verifyWebhookSignature('other', header, BODY, T)).toBe(false);
    expect(verifyWebhookSignature(SECRET, header, `${BODY} `, T)).toBe(false);
    expect(verifyWebhookSignature(SECRET, header.replace(`t=${T}`, `t=${T + 1}`), BODY, T)).toBe(false);
  });

  it('accepts any one matching v1 among several, and ignores spaces around parts', () => {
    const good = signWebhookBody(SECRET, BODY, T).split(',v1=')[1];
    expect(verifyWebhookSignature(SECRET, `t=${T}, v1=${'0'.repeat(64)}, v1=${good}`, BODY, T)).toBe(true);
  });

  it('returns false, never throws, on malformed headers', () => {
    for (const header of ['', 'garbage', `t=${T}`, 'v1=abc', `t=x,v1=${'a'.repeat(64)}`, `t=${T},v1=${'a'.repeat(63)}`, `t=${T},v1=${'z'.repeat(64)}`]) {
      expect(verifyWebhookSignature(SECRET, header, BODY, T)).toBe(false);
    }
  });
});
