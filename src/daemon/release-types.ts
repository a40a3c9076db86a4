// What the release API (issue 9) answers: release summaries and records, rollbacks, posted checks
// and the gate report. Plain data; the shapes are the contract of GET /v1/releases and friends.

import type { CheckValue, Phase, RuleRef } from '../analysis/types.js';
import type { Principal } from '../control/types.js';
import type { AnalysisMode, StoredRollback } from '../store/types.js';
import type { ApprovalView } from './approvals.js';
import type { GateReport } from './gate-report.js';

export type ReleaseDecisionKind = 'complete' | 'abort' | 'promote' | 'fail' | 'pause' | 'resume';

export interface ReleaseDecision {
  decision: ReleaseDecisionKind;
  rule: RuleRef | null;
  reason: string;
  at: string;
}

export interface ReleaseCheck {
  values: Record<string, CheckValue>;
  source: string;
  digest: string | null;
  at: string;
  /** false: older than the check's maxAge, so rules read it as unknown. */
  fresh: boolean;
}

export interface ReleaseSummary {
  id: string;
  service: string;
  environment: string;
  version: string;
  artifact: string | null;
  previousVersion: string | null;
  template: string;
  mode: AnalysisMode;
  phase: Phase;
  /** The latest decision event; null before the first. */
  decision: ReleaseDecision | null;
  /** Principals that approved one of its actions. */
  approvers: string[];
  checks: Record<string, ReleaseCheck>;
  startedAt: string;
  endedAt: string | null;
  evidenceHash: string | null;
}

export interface ReleaseDecisionRecord {
  at: string;
  decision: ReleaseDecisionKind;
  rule: RuleRef | null;
  reason: string;
  evidenceHash: string | null;
  fromStep: number;
  step: number;
  weight: number;
}

export type RollbackStatus = 'pending' | 'done' | 'failed';

/** A rollback as the API shows it: the stored one, with its call's status in place of the call's key. */
export interface RollbackRecord extends Omit<StoredRollback, 'idempotencyKey'> {
  status: RollbackStatus;
}

export interface ReleaseRecord extends ReleaseSummary {
  templateHash: string | null;
  args: Record<string, string>;
  createdBy: string | null;
  /** Payloads of its policy-decision events, in order. */
  policyDecisions: Array<Record<string, unknown>>;
  approvals: ApprovalView[];
  decisions: ReleaseDecisionRecord[];
  rollbacks: RollbackRecord[];
}

export interface ReleaseListRequest {
  service: string;
  environment: string;
  limit?: number;
  before?: string;
}

export interface ReleaseList {
  releases: ReleaseSummary[];
  nextCursor: string | null;
}

export interface RollbackRequest {
  service: string;
  environment: string;
  toVersion: string;
  reason: string;
}

export interface CheckRequest {
  /** Checked against the declared fields and their types by the service. */
  values: Readonly<Record<string, unknown>>;
  source: string;
  digest?: string;
}

export interface PostedCheck {
  name: string;
  values: Record<string, CheckValue>;
  source: string;
  digest: string | null;
  at: string;
  actor: string | null;
}

export interface ReleaseService {
  list(request: ReleaseListRequest): Promise<ReleaseList>;
  get(id: string): Promise<ReleaseRecord>;
  rollback(request: RollbackRequest, principal: Principal | null): Promise<RollbackRecord>;
  postCheck(analysisId: string, name: string, request: CheckRequest, principal: Principal | null): Promise<PostedCheck>;
  gateReport(analysisId: string): Promise<GateReport>;
}
