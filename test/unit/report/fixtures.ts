// A hand-built analysis and trail for the report tests: two metrics (one judged), a promote then
// an abort, an approval and a check; names and reasons carry markup that must come out escaped.

import type { ReportAnalysis, ReportEvent } from '../../../src/report/model.js';

export const XSS = '<script>alert("xss")</script><img src=x onerror=alert(1)>';
export const START = Date.parse('2026-12-01T10:00:00.000Z');

export function iso(offsetSeconds: number): string {
  return new Date(START + offsetSeconds * 1000).toISOString();
}

export const REPORT_ANALYSIS: ReportAnalysis = {
  id: 'a-report-1',
  template: `http-service${XSS}`,
  mode: 'drive',
  phase: 'aborted',
  target: { service: 'checkout', environment: 'production', version: `1.4.2${XSS}` },
  step: 1,
  steps: 3,
  weight: 50,
  startedAt: iso(0),
  decidedAt: iso(10),
  decidedBy: { id: 'error-spike', group: 'abort' },
  templateHash: 'cd'.repeat(32),
  createdBy: 'alice',
};

function metrics(second: number): unknown[] {
  const failing = second >= 8;
  return [
    { name: 'error_rate', baseline: 0.01, canary: failing ? 0.4 : 0.011, change: failing ? 39 : 0.1, missing: false, error: false },
    {
      name: 'latency',
      baseline: 0.05,
      canary: second === 5 ? null : 0.052,
      change: 0.04,
      missing: second === 5,
      error: false,
      regressed: false,
      p_value: 0.5,
      judge: { judge: 'sequential-histogram', regressed: false, improved: false, pValue: Math.max(0.01, 1 - second / 10), details: { eValue: 1 + second } },
    },
  ];
}

function tick(second: number, step: number): ReportEvent {
  const failing = second >= 8;
  return {
    seq: 0,
    type: 'tick',
    at: iso(second),
    payload: {
      action: failing ? 'abort' : second < 4 ? 'continue' : 'promote',
      rule: failing ? { id: 'error-spike', group: 'abort' } : second < 4 ? null : { id: 'healthy', group: 'promote' },
      reason: failing ? `error_rate.canary 0.4 > 0.1 ${XSS}` : 'fine',
      evidenceHash: 'ef'.repeat(32),
      metrics: metrics(second),
      step,
      weight: step === 0 ? 10 : 50,
    },
  };
}

export function reportEvents(): ReportEvent[] {
  const events: ReportEvent[] = [
    { seq: 0, type: 'created', at: iso(0), payload: { template: REPORT_ANALYSIS.template, step: 0, weight: 10, steps: [10, 50, 100] } },
    { seq: 0, type: 'approval-requested', at: iso(1), payload: { approvalId: 'ap-1', action: 'set-weight', actor: 'canaryd' } },
    { seq: 0, type: 'approval-approved', at: iso(2), payload: { approvalId: 'ap-1', action: 'set-weight', actor: 'bob', reason: `looks good ${XSS}` } },
    {
      seq: 0,
      type: 'check',
      at: iso(3),
      payload: { name: 'eval', values: { task_success: 0.91, pii_leakage: 0 }, source: `eval-run 42 ${XSS}`, digest: 'sha256:abc', actor: 'ci' },
    },
  ];
  for (let second = 1; second <= 5; second += 1) events.push(tick(second, 0));
  events.push({
    seq: 0,
    type: 'decision',
    at: iso(5),
    payload: {
      decision: 'promote',
      rule: { id: 'healthy', group: 'promote' },
      reason: 'error rate fine',
      evidenceHash: 'ef'.repeat(32),
      fromStep: 0,
      step: 1,
      weight: 50,
    },
  });
  for (let second = 6; second <= 10; second += 1) events.push(tick(second, 1));
  events.push({
    seq: 0,
    type: 'decision',
    at: iso(10),
    payload: {
      decision: 'abort',
      rule: { id: 'error-spike', group: 'abort' },
      reason: `error_rate.canary 0.4 > 0.1 ${XSS}`,
      evidenceHash: 'ef'.repeat(32),
      fromStep: 1,
      step: 1,
      weight: 50,
    },
  });
  return events.map((event, index) => ({ ...event, seq: index + 1, hash: `${String(index + 1).padStart(2, '0')}${'0'.repeat(62)}` }));
}
