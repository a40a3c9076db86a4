// What the daemon knows of the control boundary: the policy set (and its hash), the freezes, and
// each analysis' pinned template. Part of the DaemonContext.

import type { CompiledTemplate } from '../analysis/types.js';
import type { GateRules } from '../control/gate.js';
import { policySetHash } from '../control/policy.js';
import type { ApprovalRecord, FreezeRecord, Policy, PolicyDecision } from '../control/types.js';
import type { AnalysisRecord, EventInput } from '../store/types.js';

export interface ControlContext {
  policies: readonly Policy[];
  policySetHash: string;
  /** Policy decisions are events of the trail (auth or policies configured). */
  enforced: boolean;
  /** Every freeze, active or lifted; loaded from the store at start and kept in step with it. */
  freezes: FreezeRecord[];
}

export function createControlContext(policies: readonly Policy[] = [], enforced = policies.length > 0): ControlContext {
  return { policies, policySetHash: policySetHash(policies), enforced, freezes: [] };
}

/** The template an analysis was created with (pinned); the loaded one for analyses from before pinning. */
export function templateOf(templates: ReadonlyMap<string, CompiledTemplate>, record: AnalysisRecord): CompiledTemplate | undefined {
  return record.templateSpec ?? templates.get(record.template);
}

export function gateRules(control: ControlContext): GateRules {
  return { policies: control.policies, policySetHash: control.policySetHash, freezes: control.freezes };
}

export function policyDecisionEvent(decision: PolicyDecision, at: string, evidenceHash: string, actor: string): EventInput {
  return {
    type: 'policy-decision',
    at,
    payload: {
      action: decision.action,
      policyId: decision.policyId,
      decision: decision.decision,
      policySetHash: decision.policySetHash,
      reason: decision.reason,
      evidenceHash,
      actor,
    },
  };
}

export type ApprovalEventType = 'approval-requested' | 'approval-approved' | 'approval-rejected' | 'approval-expired' | 'approval-cancelled';

export function approvalEvent(type: ApprovalEventType, approval: ApprovalRecord, at: string, actor: string, reason?: string): EventInput {
  return {
    type,
    at,
    payload: {
      approvalId: approval.id,
      action: approval.action,
      policyId: approval.policyId,
      policySetHash: approval.policySetHash,
      evidenceHash: approval.evidenceHash,
      fromWeight: approval.fromWeight,
      toWeight: approval.toWeight,
      idempotencyKeys: approval.calls.map((call) => call.idempotencyKey),
      expiresAt: approval.expiresAt,
      actor,
      ...(reason === undefined ? {} : { reason }),
    },
  };
}

/** Pending approvals other than `keep` become cancelled: the analysis no longer waits for them. */
export function cancelStale(
  approvals: readonly ApprovalRecord[],
  keep: string | undefined,
  at: string,
  why: string,
): { approvals: ApprovalRecord[]; cancelled: ApprovalRecord[] } {
  const cancelled: ApprovalRecord[] = [];
  const next = approvals.map((approval) => {
    if (approval.state !== 'pending' || approval.id === keep) return approval;
    const closed: ApprovalRecord = { ...approval, state: 'cancelled', decidedAt: at, decidedBy: null, decisionReason: why };
    cancelled.push(closed);
    return closed;
  });
  return { approvals: next, cancelled };
}
