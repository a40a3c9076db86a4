// Store records and their trails → the release API's summaries and records (issue 9).

import { readChecks } from '../analysis/checks.js';
import type { CompiledTemplate, RuleRef } from '../analysis/types.js';
import type { AdapterCallRecord, AnalysisRecord, StoredEvent, StoredRollback } from '../store/types.js';
import { approvalView } from './approvals.js';
import { isoAt } from './clock.js';
import type {
  ReleaseCheck,
  ReleaseDecision,
  ReleaseDecisionKind,
  ReleaseDecisionRecord,
  ReleaseRecord,
  ReleaseSummary,
  RollbackRecord,
} from './release-types.js';

const DECISION_KINDS: readonly string[] = ['complete', 'abort', 'promote', 'fail', 'pause', 'resume'];

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

const RULE_GROUPS: ReadonlyArray<RuleRef['group']> = ['abort', 'hold', 'promote', 'builtin'];

function ruleOf(value: unknown): RuleRef | null {
  if (typeof value !== 'object' || value === null) return null;
  const { id, group } = value as { id?: unknown; group?: unknown };
  const known = RULE_GROUPS.find((candidate) => candidate === group);
  return typeof id === 'string' && known !== undefined ? { id, group: known } : null;
}

function decisionRecord(event: StoredEvent): ReleaseDecisionRecord | null {
  const { payload } = event;
  if (event.type !== 'decision' || !DECISION_KINDS.includes(text(payload.decision))) return null;
  const number = (value: unknown) => (typeof value === 'number' ? value : 0);
  return {
    at: event.at,
    decision: payload.decision as ReleaseDecisionKind,
    rule: ruleOf(payload.rule),
    reason: text(payload.reason),
    evidenceHash: typeof payload.evidenceHash === 'string' ? payload.evidenceHash : null,
    fromStep: number(payload.fromStep),
    step: number(payload.step),
    weight: number(payload.weight),
  };
}

export function decisionsOf(events: readonly StoredEvent[]): ReleaseDecisionRecord[] {
  return events.map(decisionRecord).filter((decision): decision is ReleaseDecisionRecord => decision !== null);
}

function checksOf(record: AnalysisRecord, template: CompiledTemplate | undefined, now: number): Record<string, ReleaseCheck> {
  const evidence = record.checks ?? {};
  const specs = template?.checks ?? [];
  const readings = readChecks(specs, evidence, now);
  const checks: Record<string, ReleaseCheck> = {};
  for (const [name, posted] of Object.entries(evidence)) {
    const reading = readings[name];
    checks[name] = { values: posted.values, source: posted.source, digest: posted.digest, at: posted.at, fresh: reading?.fresh ?? false };
  }
  return checks;
}

export function rollbackView(rollback: StoredRollback, calls: readonly AdapterCallRecord[]): RollbackRecord {
  const { idempotencyKey, ...shown } = rollback;
  const call = calls.find((candidate) => candidate.idempotencyKey === idempotencyKey);
  return { ...shown, status: call?.status ?? 'pending' };
}

export function releaseSummary(record: AnalysisRecord, events: readonly StoredEvent[], template: CompiledTemplate | undefined, now: number): ReleaseSummary {
  const last = decisionsOf(events).at(-1);
  const decision: ReleaseDecision | null = last === undefined ? null : { decision: last.decision, rule: last.rule, reason: last.reason, at: last.at };
  const approvers = new Set<string>();
  for (const approval of record.approvals ?? []) if (approval.state === 'approved' && approval.decidedBy !== null) approvers.add(approval.decidedBy);
  const { state, target } = record;
  return {
    id: record.id,
    service: target.service,
    environment: target.environment,
    version: target.version,
    artifact: record.artifact ?? null,
    previousVersion: record.previousVersion ?? null,
    template: record.template,
    mode: record.mode,
    phase: state.phase,
    decision,
    approvers: [...approvers],
    checks: checksOf(record, template, now),
    startedAt: isoAt(state.startedAt),
    endedAt: state.decidedAt === null ? null : isoAt(state.decidedAt),
    evidenceHash: state.lastVerdict?.evidenceHash ?? null,
  };
}

export function releaseRecord(
  record: AnalysisRecord,
  events: readonly StoredEvent[],
  calls: readonly AdapterCallRecord[],
  template: CompiledTemplate | undefined,
  now: number,
): ReleaseRecord {
  return {
    ...releaseSummary(record, events, template, now),
    templateHash: record.templateHash ?? null,
    args: record.args,
    createdBy: record.createdBy ?? null,
    policyDecisions: events.filter((event) => event.type === 'policy-decision').map((event) => event.payload),
    approvals: (record.approvals ?? []).map((approval) => approvalView(approval, now)),
    decisions: decisionsOf(events),
    rollbacks: (record.rollbacks ?? []).map((rollback) => rollbackView(rollback, calls)),
  };
}
