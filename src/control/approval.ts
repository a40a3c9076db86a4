// Approvals bound to evidence: who may decide a request, and the transitions a decision makes.
// An approval authorises exactly the calls it was created with (their idempotency keys carry the
// evidence hash of the verdict that asked). Pure: time is an argument.

import { formatDuration } from '../analysis/duration.js';
import { DomainError } from '../analysis/errors.js';
import { windowMs } from '../analysis/step-machine.js';
import { transition, type StepTransition } from '../analysis/step-transitions.js';
import type { AnalysisState, CompiledTemplate, RuleRef } from '../analysis/types.js';
import type { ApprovalRecord, ApprovalState, Principal } from './types.js';

export const APPROVAL_EXPIRED_RULE: RuleRef = { id: 'approval-expired', group: 'builtin' };
export const APPROVAL_REJECTED_RULE: RuleRef = { id: 'approval-rejected', group: 'builtin' };

/** The state a reader sees: a pending request past its expiresAt is expired. */
export function effectiveState(approval: ApprovalRecord, now: number): ApprovalState {
  return approval.state === 'pending' && now >= Date.parse(approval.expiresAt) ? 'expired' : approval.state;
}

/** Throws the DomainError that refuses `principal` deciding `approval` at `now`; returns when allowed. */
export function assertMayDecide(approval: ApprovalRecord, principal: Principal | null, now: number): void {
  const state = effectiveState(approval, now);
  if (state === 'expired') {
    throw new DomainError('approval-expired', `approval ${approval.id} expired at ${approval.expiresAt}`, 'id');
  }
  if (state !== 'pending') {
    throw new DomainError('approval-decided', `approval ${approval.id} is already ${state}${approval.decidedBy ? ` (by ${approval.decidedBy})` : ''}`, 'id');
  }
  if (principal === null) {
    throw new DomainError('forbidden', 'approvals need an authenticated principal: configure auth.tokens', 'id');
  }
  if (principal.name === approval.requestedBy || principal.name === approval.createdBy) {
    const role = principal.name === approval.requestedBy ? 'requested this action' : 'created this analysis';
    throw new DomainError('self-approval', `principal ${principal.name} ${role}; another approver must decide (approvers: ${approval.approvers.join(', ')})`);
  }
  if (!approval.approvers.includes(principal.name)) {
    throw new DomainError(
      'forbidden',
      `principal ${principal.name} is not an approver of policy ${approval.policyId} (approvers: ${approval.approvers.join(', ')})`,
    );
  }
  if (principal.environments !== null && !principal.environments.includes(approval.target.environment)) {
    throw new DomainError('forbidden', `principal ${principal.name} may not approve in environment ${approval.target.environment}`);
  }
}

function baseState(state: AnalysisState, approval: ApprovalRecord): AnalysisState {
  const { approval: _waiting, ...rest } = state;
  return { ...rest, phase: approval.originPhase === 'paused' ? 'paused' : 'running' };
}

function evidenceOf(template: CompiledTemplate, state: AnalysisState, now: number) {
  return { conditions: [], metrics: [], window: formatDuration(Math.max(0, windowMs(template, state, now))) };
}

/** The approved change; its calls are the approval's own (never recomputed). */
export function approvedTransition(
  template: CompiledTemplate,
  state: AnalysisState,
  approval: ApprovalRecord,
  now: number,
  approver: string,
  reason: string,
): Pick<StepTransition, 'state' | 'verdict'> {
  const base = baseState(state, approval);
  const why = reason.trim() === '' ? '' : `: ${reason.trim()}`;
  const decision = {
    action:
      approval.kind === 'abort'
        ? ('abort' as const)
        : approval.kind === 'pause'
          ? ('hold' as const)
          : approval.kind === 'resume'
            ? ('continue' as const)
            : ('promote' as const),
    rule: approval.rule,
    reason: `${approval.action} approved by ${approver} (approval ${approval.id}, evidence ${approval.evidenceHash.slice(0, 12)})${why}`,
  };
  if (approval.originPhase === 'pending') {
    // The first weight: the analysis starts now.
    const started = transition(template, base, now, 'stay', decision, evidenceOf(template, base, now));
    return { state: { ...started.state, phase: 'running', startedAt: now, stepStartedAt: now }, verdict: started.verdict };
  }
  const changed = transition(template, base, now, approval.kind, decision, evidenceOf(template, base, now));
  return { state: changed.state, verdict: changed.verdict };
}

/** A rejected or expired request: the step's advance does not happen and the analysis pauses. */
export function closedTransition(
  template: CompiledTemplate,
  state: AnalysisState,
  approval: ApprovalRecord,
  now: number,
  rule: RuleRef,
  reason: string,
): StepTransition {
  const base = baseState(state, approval);
  const paused = transition(template, base, now, 'pause', { action: 'hold', rule, reason }, evidenceOf(template, base, now));
  // Nothing to pause at the deployer before the first weight was set, or when it already was.
  return approval.originPhase === 'running' ? paused : { ...paused, actions: [] };
}
