// Plain data of the control boundary: principals and scopes, policies and their decisions,
// approval requests bound to evidence, freezes. Pure: no I/O, no clock.

import type { AdapterRequest } from '../adapters/types.js';
import type { RuleRef } from '../analysis/types.js';

export const SCOPES = ['read', 'analyses:create', 'actions', 'approve', 'admin', 'checks:write', 'releases:rollback'] as const;
export type Scope = (typeof SCOPES)[number];

/** Adapter actions (an analysis' decisions) and manual ones (an operator through the API). */
export const ADAPTER_POLICY_ACTIONS = ['set-weight', 'complete', 'rollback', 'pause', 'resume'] as const;
export const MANUAL_POLICY_ACTIONS = ['manual-promote', 'manual-abort', 'manual-pause', 'manual-resume'] as const;
export const POLICY_ACTIONS = [...ADAPTER_POLICY_ACTIONS, ...MANUAL_POLICY_ACTIONS] as const;
export type PolicyAction = (typeof POLICY_ACTIONS)[number];

export const POLICY_DECISIONS = ['ALLOW', 'DENY', 'REQUIRE_APPROVAL'] as const;
export type PolicyDecisionKind = (typeof POLICY_DECISIONS)[number];

/** An authenticated caller. `environments` null: every environment. */
export interface Principal {
  name: string;
  scopes: readonly Scope[];
  environments: readonly string[] | null;
}

/** A principal as configured: its token is compared in constant time and never shown. */
export interface TokenPrincipal extends Principal {
  token: string;
}

export interface Policy {
  id: string;
  match: { environment?: string[]; service?: string[]; action?: PolicyAction[] };
  decision: PolicyDecisionKind;
  /** Principal names (REQUIRE_APPROVAL). */
  approvers: string[];
  /** How long an approval request stays open (REQUIRE_APPROVAL). */
  expiresMs: number;
  reason?: string;
}

export interface PolicySubject {
  environment: string;
  service: string;
  action: PolicyAction;
}

export interface PolicyDecision {
  action: PolicyAction;
  /** null: no policy matched (ALLOW by default). */
  policyId: string | null;
  decision: PolicyDecisionKind;
  reason: string;
  approvers: string[];
  expiresMs: number;
  /** sha256 of the canonical policy set the decision was made under. */
  policySetHash: string;
}

export const APPROVAL_STATES = ['pending', 'approved', 'rejected', 'expired', 'cancelled'] as const;
export type ApprovalState = (typeof APPROVAL_STATES)[number];

/** The exact adapter call an approval authorises (drive mode), with its idempotency key. */
export interface BoundCall {
  adapter: string;
  idempotencyKey: string;
  request: AdapterRequest;
}

export interface ApprovalRecord {
  id: string;
  analysisId: string;
  /** The policy action awaiting approval, e.g. set-weight, complete, manual-promote. */
  action: PolicyAction;
  target: { service: string; environment: string; version: string };
  fromWeight: number;
  toWeight: number;
  fromStep: number;
  toStep: number;
  evidenceHash: string;
  policyId: string;
  policySetHash: string;
  approvers: string[];
  requestedBy: string;
  /** The principal that created the analysis (never its approver). */
  createdBy: string | null;
  requestedAt: string;
  expiresAt: string;
  state: ApprovalState;
  /** The rule whose verdict asked for the action. */
  rule: RuleRef | null;
  /** The step-machine transition it unlocks; 'advance' for set-weight / complete. */
  kind: 'advance' | 'abort' | 'pause' | 'resume';
  /** The phase the analysis was in before it started waiting. */
  originPhase: 'pending' | 'running' | 'paused';
  /** Exactly the calls the approval authorises (empty in observe mode). */
  calls: BoundCall[];
  packet: ApprovalPacket;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionReason: string | null;
}

export interface ApprovalPacket {
  action: PolicyAction;
  environment: string;
  service: string;
  version: string;
  current: { step: number; weight: number; phase: string };
  proposed: { step: number; weight: number; phase: string };
  evidence: {
    evidenceHash: string;
    rule: RuleRef | null;
    reason: string;
    conditions: Array<{ rule: string; text: string; truth: string; observed: Array<{ ref: string; value: number | boolean | null }> }>;
  };
  riskFlags: string[];
  adapterCall: BoundCall | null;
  undo: string;
}

export interface FreezeRecord {
  id: string;
  reason: string;
  scope: { environment?: string; service?: string };
  createdBy: string;
  createdAt: string;
  liftedBy: string | null;
  liftedAt: string | null;
}
