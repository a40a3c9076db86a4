import { describe, expect, it } from 'vitest';
import { notificationsOf } from '../../../src/notify/notification.js';
import { slackEscape, slackMessage } from '../../../src/notify/slack-message.js';
import type { AnalysisRecord, EventInput } from '../../../src/store/types.js';

const RECORD = {
  id: 'a-1',
  template: 'http-service',
  args: { service: 'checkout' },
  mode: 'drive',
  adapter: 'deployer',
  target: { service: 'checkout', environment: 'production', version: '1.4.2' },
  state: { phase: 'aborted', stepIndex: 1 },
  judgeMemory: {},
  createdAt: '2026-12-01T10:00:00.000Z',
  updatedAt: '2026-12-01T10:05:00.000Z',
  version: 7,
} as unknown as AnalysisRecord;

const HASH = 'ab'.repeat(32);
const abortDecision: EventInput = {
  type: 'decision',
  at: '2026-12-01T10:05:00.000Z',
  payload: {
    decision: 'abort',
    rule: { id: 'error-spike', group: 'abort' },
    reason: 'error_rate.canary 0.4 > 0.1 <script>',
    evidenceHash: HASH,
    phase: 'aborted',
    fromStep: 1,
    step: 1,
    weight: 50,
  },
};
const tick: EventInput = { type: 'tick', at: abortDecision.at, payload: { action: 'abort' } };

describe('notificationsOf', () => {
  it('turns an abort decision into one notification answering to decision and abort, with a report link', () => {
    const [notification, ...rest] = notificationsOf({ record: RECORD, events: [tick, abortDecision] }, 'http://canaryd.example:8080/');
    expect(rest).toEqual([]);
    expect(notification).toMatchObject({
      events: ['decision', 'abort'],
      source: 'decision',
      verdict: 'abort',
      rule: { id: 'error-spike', group: 'abort' },
      title: 'checkout 1.4.2 (production): abort by error-spike',
      evidenceHash: HASH,
      link: 'http://canaryd.example:8080/v1/analyses/a-1/report',
      analysis: { id: 'a-1', template: 'http-service', service: 'checkout', environment: 'production', version: '1.4.2', phase: 'aborted' },
    });
    expect(notification?.key).toBe(`a-1:decision:${abortDecision.at}:${HASH}`);
  });

  it('maps approval, freeze and adapter events; ignores ticks and the rest', () => {
    const events: EventInput[] = [
      {
        type: 'approval-requested',
        at: 't1',
        payload: { approvalId: 'ap-1', action: 'set-weight', fromWeight: 10, toWeight: 50, policyId: 'prod', expiresAt: 't9' },
      },
      { type: 'approval-expired', at: 't2', payload: { approvalId: 'ap-1', action: 'set-weight' } },
      { type: 'adapter-failed', at: 't3', payload: { action: 'rollback', error: 'POST failed after 3 attempts', idempotencyKey: 'k' } },
      { type: 'decision', at: 't4', payload: { decision: 'promote', rule: { id: 'healthy', group: 'promote' }, reason: 'ok', evidenceHash: HASH } },
      { type: 'manual-action', at: 't5', payload: {} },
    ];
    const notifications = notificationsOf({ record: RECORD, events }, null);
    expect(notifications.map((notification) => [notification.source, notification.events, notification.link])).toEqual([
      ['approval-requested', ['approval-requested'], null],
      ['approval-expired', ['approval-expired'], null],
      ['adapter-failed', ['adapter-failed'], null],
      ['decision', ['decision'], null],
    ]);
    expect(notifications[0]?.reason).toBe('set-weight 10% → 50% needs an approval (policy prod) before t9');
    expect(notifications[2]?.verdict).toBe('adapter-failed (rollback)');

    const freeze: EventInput = {
      type: 'freeze-created',
      at: 't6',
      payload: { freezeId: 'f-1', reason: 'incident 42', scope: { environment: 'production' }, actor: 'alice' },
    };
    const [frozen] = notificationsOf({ record: null, events: [freeze] }, 'http://x');
    expect(frozen).toMatchObject({
      events: ['freeze'],
      analysis: null,
      link: null,
      title: 'canaryd: freeze',
      reason: 'incident 42 (covers production; by alice)',
    });
  });
});

describe('slackMessage', () => {
  it('has a text fallback and blocks with the analysis, verdict, rule, reason and link, all escaped', () => {
    const [notification] = notificationsOf({ record: RECORD, events: [abortDecision] }, 'http://canaryd.example');
    if (notification === undefined) throw new Error('no notification');
    const message = slackMessage(notification);
    expect(message.text).toBe('checkout 1.4.2 (production): abort by error-spike: error_rate.canary 0.4 &gt; 0.1 &lt;script&gt;');
    const json = JSON.stringify(message.blocks);
    expect(json).toContain('*Rule*\\nerror-spike (abort)');
    expect(json).toContain('*Verdict*\\nabort');
    expect(json).toContain('`a-1`');
    expect(json).toContain('<http://canaryd.example/v1/analyses/a-1/report|canary report>');
    expect(json).not.toContain('<script>');
    expect(slackEscape('a & <b>')).toBe('a &amp; &lt;b&gt;');
  });
});
