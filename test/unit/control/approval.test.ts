import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../src/analysis/errors.js';
import { startAnalysis } from '../../../src/analysis/step-machine.js';
import { approvedTransition, assertMayDecide, closedTransition, effectiveState, APPROVAL_REJECTED_RULE } from '../../../src/control/approval.js';
import type { ApprovalRecord, Principal } from '../../../src/control/types.js';
import { makeTemplate, step, T0 } from '../analysis/fixtures.js';

const template = makeTemplate({ steps: [step(10), step(50), step(100)] });
const KEY = `a1:1:set-weight:${'e'.repeat(64)}`;
const approval: ApprovalRecord = {
  id: 'ap1',
  analysisId: 'a1',
  action: 'set-weight',
  target: { service: 'checkout', environment: 'production', version: 'v2' },
  fromWeight: 10,
  toWeight: 50,
  fromStep: 0,
  toStep: 1,
  evidenceHash: 'e'.repeat(64),
  policyId: 'prod-advance',
  policySetHash: 'p'.repeat(64),
  approvers: ['alice', 'ops-admin'],
  requestedBy: 'canaryd',
  createdBy: 'argo-rollouts',
  requestedAt: new Date(T0).toISOString(),
  expiresAt: new Date(T0 + 60_000).toISOString(),
  state: 'pending',
  rule: { id: 'healthy', group: 'promote' },
  kind: 'advance',
  originPhase: 'running',
  calls: [
    {
      adapter: 'deployer',
      idempotencyKey: KEY,
      request: {
        analysisId: 'a1',
        action: 'set-weight',
        weight: 50,
        step: 1,
        target: { service: 'checkout', environment: 'production', version: 'v2' },
        rule: { id: 'healthy', group: 'promote' },
        evidenceHash: 'e'.repeat(64),
        idempotencyKey: KEY,
        at: '',
      },
    },
  ],
  packet: {} as ApprovalRecord['packet'],
  decidedBy: null,
  decidedAt: null,
  decisionReason: null,
};
const who = (name: string, environments: string[] | null = null): Principal => ({ name, scopes: ['approve'], environments });

function codeOf(run: () => void): string {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return 'allowed';
}

describe('assertMayDecide', () => {
  it('an approver who neither created the analysis nor asked may decide a pending request', () => {
    expect(codeOf(() => assertMayDecide(approval, who('alice'), T0))).toBe('allowed');
  });
  it('never the creator or the requester (self-approval), never a non-approver, never without a principal', () => {
    expect(codeOf(() => assertMayDecide({ ...approval, approvers: ['argo-rollouts'] }, who('argo-rollouts'), T0))).toBe('self-approval');
    expect(codeOf(() => assertMayDecide({ ...approval, requestedBy: 'alice' }, who('alice'), T0))).toBe('self-approval');
    expect(codeOf(() => assertMayDecide(approval, who('mallory'), T0))).toBe('forbidden');
    expect(codeOf(() => assertMayDecide(approval, who('alice', ['staging']), T0))).toBe('forbidden');
    expect(codeOf(() => assertMayDecide(approval, null, T0))).toBe('forbidden');
  });
  it('expired after expiresAt (409 approval-expired), decided once (409 approval-decided)', () => {
    expect(effectiveState(approval, T0 + 59_999)).toBe('pending');
    expect(effectiveState(approval, T0 + 60_000)).toBe('expired');
    expect(codeOf(() => assertMayDecide(approval, who('alice'), T0 + 60_000))).toBe('approval-expired');
    expect(codeOf(() => assertMayDecide({ ...approval, state: 'approved', decidedBy: 'ops-admin' }, who('alice'), T0))).toBe('approval-decided');
    expect(codeOf(() => assertMayDecide({ ...approval, state: 'rejected' }, who('alice'), T0))).toBe('approval-decided');
  });
});

describe('approval transitions', () => {
  const { state } = startAnalysis(template, T0);
  const waiting = { ...state, phase: 'awaiting-approval' as const, approval: { id: 'ap1', originPhase: 'running' as const, expiresAt: T0 + 60_000 } };

  it('approving advances exactly one step and leaves awaiting-approval', () => {
    const next = approvedTransition(template, waiting, approval, T0 + 1_000, 'alice', 'looks good');
    expect(next.state).toMatchObject({ phase: 'running', stepIndex: 1, stepStartedAt: T0 + 1_000 });
    expect(next.state.approval).toBeUndefined();
    expect(next.verdict.reason).toContain('approved by alice');
    expect(next.verdict.rule).toEqual({ id: 'healthy', group: 'promote' });
  });

  it('approving the first weight starts the analysis at step 1', () => {
    const first = { ...approval, originPhase: 'pending' as const, fromStep: 0, toStep: 0 };
    const next = approvedTransition(template, { ...waiting, approval: { ...waiting.approval, originPhase: 'pending' } }, first, T0 + 5_000, 'alice', '');
    expect(next.state).toMatchObject({ phase: 'running', stepIndex: 0, startedAt: T0 + 5_000 });
  });

  it('rejecting pauses at the same step with the rule given; a pause call only when traffic was flowing', () => {
    const rejected = closedTransition(template, waiting, approval, T0 + 1_000, APPROVAL_REJECTED_RULE, 'no');
    expect(rejected.state).toMatchObject({ phase: 'paused', stepIndex: 0 });
    expect(rejected.verdict.rule).toEqual(APPROVAL_REJECTED_RULE);
    expect(rejected.actions.map((action) => action.type)).toEqual(['pause']);
    const beforeTraffic = closedTransition(template, waiting, { ...approval, originPhase: 'pending' }, T0, APPROVAL_REJECTED_RULE, 'no');
    expect(beforeTraffic.actions).toEqual([]);
  });
});
