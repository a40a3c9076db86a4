// Approval requests: listing, deciding (approve → exactly the bound calls; reject → pause) and
// expiry (→ pause), each one transition committed with its events.

import { DomainError } from '../analysis/errors.js';
import { APPROVAL_EXPIRED_RULE, APPROVAL_REJECTED_RULE, approvedTransition, assertMayDecide, closedTransition, effectiveState } from '../control/approval.js';
import { allowedFollowUps, freezeCovers } from '../control/gate.js';
import type { ApprovalPacket, ApprovalRecord, ApprovalState, Principal } from '../control/types.js';
import type { AnalysisRecord } from '../store/types.js';
import { performRecordedCalls } from './calls.js';
import { isoAt } from './clock.js';
import { analysisLogger, errorMessage, type DaemonContext } from './context.js';
import { approvalEvent, gateRules, policyDecisionEvent, templateOf } from './control-context.js';
import { commitTransition } from './transitions.js';

/** What this module takes from the DaemonContext. */
export type ApprovalDeps = Pick<
  DaemonContext,
  'store' | 'templates' | 'adapters' | 'metrics' | 'logger' | 'clock' | 'scheduler' | 'lanes' | 'phases' | 'ended' | 'control' | 'leases' | 'shutdown'
>;

const EXPIRY_CHECK_MS = 1_000;
const DECIDE_ATTEMPTS = 3;

export function expiryKey(approvalId: string): string {
  return `approval-expiry:${approvalId}`;
}

/** An approval as the API shows it (bound calls and bookkeeping stay inside). */
export type ApprovalView = Pick<
  ApprovalRecord,
  | 'id'
  | 'analysisId'
  | 'action'
  | 'target'
  | 'fromWeight'
  | 'toWeight'
  | 'evidenceHash'
  | 'policyId'
  | 'policySetHash'
  | 'approvers'
  | 'requestedBy'
  | 'requestedAt'
  | 'expiresAt'
  | 'state'
  | 'decidedBy'
  | 'decidedAt'
> & {
  reason: string | null;
  packet: Omit<ApprovalPacket, 'adapterCall'> & { adapterCall: { adapter: string; idempotencyKey: string; request: Record<string, unknown> } | null };
};

function packetView(packet: ApprovalPacket): ApprovalView['packet'] {
  const call = packet.adapterCall;
  if (call === null) return { ...packet, adapterCall: null };
  const request: Record<string, unknown> = { ...call.request };
  return { ...packet, adapterCall: { adapter: call.adapter, idempotencyKey: call.idempotencyKey, request } };
}

export function approvalView(approval: ApprovalRecord, now: number): ApprovalView {
  return {
    id: approval.id,
    analysisId: approval.analysisId,
    action: approval.action,
    target: approval.target,
    fromWeight: approval.fromWeight,
    toWeight: approval.toWeight,
    evidenceHash: approval.evidenceHash,
    policyId: approval.policyId,
    policySetHash: approval.policySetHash,
    approvers: approval.approvers,
    requestedBy: approval.requestedBy,
    requestedAt: approval.requestedAt,
    expiresAt: approval.expiresAt,
    state: effectiveState(approval, now),
    decidedBy: approval.decidedBy,
    decidedAt: approval.decidedAt,
    reason: approval.decisionReason,
    packet: packetView(approval.packet),
  };
}

export async function listApprovals(context: ApprovalDeps, state?: ApprovalState): Promise<ApprovalRecord[]> {
  const now = context.clock.now();
  const all = (await context.store.listAnalyses()).flatMap((record) => record.approvals ?? []);
  const sorted = all.sort((a, b) => a.requestedAt.localeCompare(b.requestedAt));
  return state === undefined ? sorted : sorted.filter((approval) => effectiveState(approval, now) === state);
}

async function findApproval(context: ApprovalDeps, id: string): Promise<{ record: AnalysisRecord; approval: ApprovalRecord }> {
  for (const record of await context.store.listAnalyses()) {
    const approval = record.approvals?.find((candidate) => candidate.id === id);
    if (approval !== undefined) return { record, approval };
  }
  throw new DomainError('not-found', `approval ${id} does not exist`, 'id');
}

function replaced(record: AnalysisRecord, approval: ApprovalRecord): ApprovalRecord[] {
  return (record.approvals ?? []).map((candidate) => (candidate.id === approval.id ? approval : candidate));
}

function dispatch(context: ApprovalDeps, record: AnalysisRecord, keys: string[]): void {
  if (keys.length === 0) return;
  void context.lanes
    .run(record.id, () => performRecordedCalls(context, record.id, keys, context.shutdown))
    .catch((error: unknown) => analysisLogger(context, record).error({ error: errorMessage(error) }, 'adapter calls failed to run'));
}

/** Closes a pending request by rejection or expiry: the advance does not happen, the analysis pauses. */
async function closeApproval(
  context: ApprovalDeps,
  record: AnalysisRecord,
  approval: ApprovalRecord,
  how: 'rejected' | 'expired',
  actor: string,
  reason: string,
): Promise<AnalysisRecord> {
  const template = templateOf(context.templates, record);
  if (template === undefined) throw new DomainError('unknown-template', `template ${record.template} of analysis ${record.id} is not loaded`, 'template');
  const now = context.clock.now();
  const rule = how === 'rejected' ? APPROVAL_REJECTED_RULE : APPROVAL_EXPIRED_RULE;
  const why =
    how === 'rejected'
      ? `${approval.action} rejected by ${actor}${reason.trim() === '' ? '' : `: ${reason.trim()}`}`
      : `approval ${approval.id} for ${approval.action} expired at ${approval.expiresAt} without a decision`;
  const paused = closedTransition(template, record.state, approval, now, rule, `${why}; analysis paused`);
  const subject = { environment: record.target.environment, service: record.target.service };
  const followUps = allowedFollowUps(gateRules(context.control), subject, paused.actions);
  const closed: ApprovalRecord = {
    ...approval,
    state: how,
    decidedBy: how === 'rejected' ? actor : null,
    decidedAt: isoAt(now),
    decisionReason: how === 'rejected' ? reason : 'expired',
  };
  const at = paused.verdict.at;
  const committed = await commitTransition(context, {
    before: record,
    template,
    state: paused.state,
    verdict: paused.verdict,
    actions: followUps.actions,
    approvals: replaced(record, closed),
    events: [
      approvalEvent(how === 'rejected' ? 'approval-rejected' : 'approval-expired', closed, at, actor, reason === '' ? undefined : reason),
      ...(context.control.enforced ? followUps.decisions.map((decision) => policyDecisionEvent(decision, at, paused.verdict.evidenceHash, 'canaryd')) : []),
    ],
  });
  context.scheduler.cancel(expiryKey(approval.id));
  dispatch(context, committed.record, committed.callKeys);
  return committed.record;
}

/** Expires the request when it is still pending and its time is up; otherwise nothing. */
export async function expireIfDue(context: ApprovalDeps, analysisId: string, approvalId: string): Promise<void> {
  const record = await context.store.getAnalysis(analysisId);
  const approval = record?.approvals?.find((candidate) => candidate.id === approvalId);
  if (record === null || approval === undefined || approval.state !== 'pending') {
    context.scheduler.cancel(expiryKey(approvalId));
    return;
  }
  if (effectiveState(approval, context.clock.now()) !== 'expired') return;
  await closeApproval(context, record, approval, 'expired', 'canaryd', '');
  analysisLogger(context, record).info({ approvalId, action: approval.action }, 'approval expired; analysis paused');
}

export function scheduleApprovalExpiry(context: ApprovalDeps, analysisId: string, approval: ApprovalRecord): void {
  context.scheduler.every(expiryKey(approval.id), EXPIRY_CHECK_MS, Date.parse(approval.expiresAt), async () => {
    await context.lanes.run(analysisId, () => expireIfDue(context, analysisId, approval.id));
  });
}

export interface ApprovalDecision {
  decision: 'approve' | 'reject';
  reason: string;
}

export async function decideApproval(context: ApprovalDeps, id: string, principal: Principal | null, request: ApprovalDecision): Promise<ApprovalRecord> {
  for (let attempt = 1; ; attempt += 1) {
    const { record, approval } = await findApproval(context, id);
    const now = context.clock.now();
    if (effectiveState(approval, now) === 'expired') {
      await context.lanes.run(record.id, () => expireIfDue(context, record.id, approval.id)).catch(() => undefined);
    }
    assertMayDecide(approval, principal, now);
    const approver = principal?.name ?? 'unknown';
    try {
      const closed =
        request.decision === 'approve'
          ? await approve(context, record, approval, approver, request.reason)
          : await closeApproval(context, record, approval, 'rejected', approver, request.reason);
      const stored = closed.approvals?.find((candidate) => candidate.id === id);
      if (stored === undefined) throw new DomainError('not-found', `approval ${id} does not exist`, 'id');
      return stored;
    } catch (error) {
      if (!(error instanceof DomainError && error.code === 'conflict') || attempt >= DECIDE_ATTEMPTS) throw error;
    }
  }
}

async function approve(context: ApprovalDeps, record: AnalysisRecord, approval: ApprovalRecord, approver: string, reason: string): Promise<AnalysisRecord> {
  const template = templateOf(context.templates, record);
  if (template === undefined) throw new DomainError('unknown-template', `template ${record.template} of analysis ${record.id} is not loaded`, 'template');
  const subject = { environment: record.target.environment, service: record.target.service };
  const frozen = context.control.freezes.find((freeze) => freezeCovers(freeze, subject));
  if (frozen !== undefined && (approval.action === 'set-weight' || approval.action === 'complete' || approval.action === 'manual-promote')) {
    throw new DomainError('frozen', `freeze ${frozen.id} (${frozen.reason}) stops ${approval.action}; lift it first (DELETE /v1/freezes/${frozen.id})`);
  }
  const now = context.clock.now();
  const next = approvedTransition(template, record.state, approval, now, approver, reason);
  const approved: ApprovalRecord = { ...approval, state: 'approved', decidedBy: approver, decidedAt: isoAt(now), decisionReason: reason };
  const committed = await commitTransition(context, {
    before: record,
    template,
    state: next.state,
    verdict: next.verdict,
    actions: [],
    boundCalls: approval.calls,
    approvals: replaced(record, approved),
    events: [approvalEvent('approval-approved', approved, next.verdict.at, approver, reason === '' ? undefined : reason)],
  });
  context.scheduler.cancel(expiryKey(approval.id));
  analysisLogger(context, record).info(
    { approvalId: approval.id, approver, action: approval.action, evidenceHash: approval.evidenceHash },
    `approval of ${approval.action} by ${approver}`,
  );
  dispatch(context, committed.record, committed.callKeys);
  return committed.record;
}
