// The two sink types against a real HTTP receiver: what goes over the wire, and that a Slack
// URL (the credential) never shows up in an error.

import { afterEach, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/analysis/errors.js';
import { SIGNATURE_HEADER, verifyWebhookSignature } from '../../src/adapters/webhook-signature.js';
import { notificationsOf } from '../../src/notify/notification.js';
import { createSinks } from '../../src/notify/registry.js';
import type { AnalysisRecord } from '../../src/store/types.js';
import { freePort } from '../helpers/ports.js';
import { startSinkReceiver, type SinkReceiver } from '../e2e/recording-receiver.js';

const RECORD = {
  id: 'a-sinks',
  template: 'http-service',
  mode: 'drive',
  target: { service: 'checkout', environment: 'production', version: '1.4.2' },
  state: { phase: 'aborted', stepIndex: 0 },
} as unknown as AnalysisRecord;

const [ABORT] = notificationsOf(
  {
    record: RECORD,
    events: [
      {
        type: 'decision',
        at: '2026-12-01T10:00:00.000Z',
        payload: { decision: 'abort', rule: { id: 'error-spike', group: 'abort' }, reason: 'error rate 40%', evidenceHash: 'ab'.repeat(32) },
      },
    ],
  },
  'http://canaryd.example',
);

const receivers: SinkReceiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});

function notification() {
  if (ABORT === undefined) throw new Error('no notification');
  return ABORT;
}

describe('notification sinks over real HTTP', () => {
  it('the webhook sink POSTs the notification signed like the adapter webhook, with a stable Idempotency-Key', async () => {
    const secret = 'notify-secret-0123';
    const receiver = await startSinkReceiver({ path: '/hook', secret, failFirst: 1 });
    receivers.push(receiver);
    const [sink] = createSinks([{ type: 'webhook', name: 'audit', events: ['abort'], url: receiver.url, secret, timeoutMs: 2_000, retries: 1 }], {
      now: Date.now,
    });
    const signal = new AbortController().signal;
    expect(await sink?.deliver(notification(), 'abort', signal)).toEqual({ ok: false, error: 'answered 500: failing on purpose' });
    expect(await sink?.deliver(notification(), 'abort', signal)).toEqual({ ok: true, status: 200 });
    const [first, second] = receiver.requests();
    expect(first?.headers['idempotency-key']).toBe(notification().key);
    expect(second?.headers['idempotency-key']).toBe(notification().key);
    expect(second?.signatureValid).toBe(true);
    expect(verifyWebhookSignature('another secret', String(second?.headers[SIGNATURE_HEADER.toLowerCase()]), second?.rawBody ?? '', Date.now() / 1000)).toBe(
      false,
    );
    expect(second?.body).toMatchObject({
      event: 'abort',
      key: notification().key,
      verdict: 'abort',
      rule: { id: 'error-spike', group: 'abort' },
      analysis: { id: 'a-sinks' },
    });
  });

  it('the Slack sink posts text and blocks; its failures never name the URL', async () => {
    const token = 'T000/B000/xoxb-secret-path';
    const receiver = await startSinkReceiver({ path: `/services/${token}` });
    receivers.push(receiver);
    const [sink] = createSinks([{ type: 'slack', name: 'oncall', events: ['abort'], url: receiver.url, timeoutMs: 2_000, retries: 0 }], { now: Date.now });
    const signal = new AbortController().signal;
    expect(await sink?.deliver(notification(), 'abort', signal)).toEqual({ ok: true, status: 200 });
    expect(receiver.requests()[0]?.body.text).toBe('checkout 1.4.2 (production): abort by error-spike: error rate 40%');

    const downUrl = `http://127.0.0.1:${await freePort()}/services/${token}`;
    const [down] = createSinks([{ type: 'slack', name: 'oncall', events: ['abort'], url: downUrl, timeoutMs: 1_000, retries: 0 }], { now: Date.now });
    const outcome = await down?.deliver(notification(), 'abort', signal);
    expect(outcome).toEqual({ ok: false, error: 'connection failed (ECONNREFUSED)' });

    const wrongPath = `${receiver.url.replace(token, 'T9/B9/other')}`;
    const [refused] = createSinks([{ type: 'slack', name: 'oncall', events: ['abort'], url: wrongPath, timeoutMs: 1_000, retries: 0 }], { now: Date.now });
    const answer = await refused?.deliver(notification(), 'abort', signal);
    expect(answer?.ok).toBe(false);
    expect(JSON.stringify(answer)).not.toContain('other');
  });

  it('a urlFile that holds no URL is refused naming the field, not the content', () => {
    const create = () =>
      createSinks([{ type: 'slack', name: 'oncall', events: ['abort'], url: 'not-a-url-but-secret', timeoutMs: 1_000, retries: 0 }], { now: Date.now });
    expect(create).toThrow(DomainError);
    expect(create).toThrow('notifications sink "oncall": the file named by urlFile does not hold an http:// or https:// URL');
    try {
      create();
    } catch (error) {
      expect((error as DomainError).field).toBe('urlFile');
      expect(String(error)).not.toContain('not-a-url-but-secret');
    }
  });
});
