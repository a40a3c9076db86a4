// What a notification says, built from events the store has committed. Pure: no I/O, no clock.

import type { RuleRef } from '../analysis/types.js';
import type { AnalysisRecord, EventInput } from '../store/types.js';

/** The events a sink may ask for in `notifications.sinks[].events`. */
export const NOTIFICATION_EVENTS = ['decision', 'abort', 'approval-requested', 'approval-expired', 'freeze', 'adapter-failed'] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

/** The analysis a notification is about (absent for a freeze, which is about the whole daemon). */
export interface NotifiedAnalysis {
  id: string;
  template: string;
  service: string;
  environment: string;
  version: string;
  mode: string;
  phase: string;
}

export interface Notification {
  /** Stable for one committed event: receivers deduplicate on it (Idempotency-Key). */
  key: string;
  /** The events this notification answers to, most specific last (an abort is also a decision). */
  events: NotificationEvent[];
  /** The committed event's type, e.g. "decision", "freeze-created". */
  source: string;
  at: string;
  analysis: NotifiedAnalysis | null;
  /** One line for people: "checkout 1.4.2 (production): abort by error-spike". */
  title: string;
  /** The verdict or action: abort, promote, approval-requested, … */
  verdict: string;
  rule: RuleRef | null;
  reason: string;
  evidenceHash: string | null;
  /** The analysis' HTML report, when the daemon's address is known. */
  link: string | null;
  /** The committed event's payload, as it is in the trail. */
  payload: Record<string, unknown>;
}

/** What was committed: the analysis after the transition (null for the control trail) and its events. */
export interface CommittedEvents {
  record: AnalysisRecord | null;
  events: readonly EventInput[];
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function ruleOf(value: unknown): RuleRef | null {
  if (typeof value !== 'object' || value === null) return null;
  const { id, group } = value as { id?: unknown; group?: unknown };
  return typeof id === 'string' && typeof group === 'string' ? ({ id, group } as RuleRef) : null;
}

function eventsOf(event: EventInput): NotificationEvent[] {
  switch (event.type) {
    case 'decision':
      return event.payload.decision === 'abort' ? ['decision', 'abort'] : ['decision'];
    case 'approval-requested':
    case 'approval-expired':
    case 'adapter-failed':
      return [event.type];
    case 'freeze-created':
      return ['freeze'];
    default:
      return [];
  }
}

function verdictOf(event: EventInput): string {
  if (event.type === 'decision') return text(event.payload.decision) || 'decision';
  if (event.type === 'adapter-failed') return `adapter-failed (${text(event.payload.action)})`;
  if (event.type === 'freeze-created') return 'freeze';
  return event.type;
}

function reasonOf(event: EventInput): string {
  const { payload } = event;
  if (event.type === 'adapter-failed') return text(payload.error);
  if (event.type === 'approval-requested')
    return `${text(payload.action)} ${String(payload.fromWeight)}% → ${String(payload.toWeight)}% needs an approval (policy ${text(payload.policyId)}) before ${text(payload.expiresAt)}`;
  if (event.type === 'approval-expired') return `approval ${text(payload.approvalId)} for ${text(payload.action)} expired; the analysis paused`;
  if (event.type === 'freeze-created') {
    const scope = (payload.scope ?? {}) as { service?: unknown; environment?: unknown };
    const covered = [text(scope.service), text(scope.environment)].filter((part) => part !== '').join(' in ') || 'every analysis';
    return `${text(payload.reason)} (covers ${covered}; by ${text(payload.actor)})`;
  }
  return text(payload.reason);
}

function analysisOf(record: AnalysisRecord): NotifiedAnalysis {
  return {
    id: record.id,
    template: record.template,
    service: record.target.service,
    environment: record.target.environment,
    version: record.target.version,
    mode: record.mode,
    phase: record.state.phase,
  };
}

function keyOf(analysisId: string, event: EventInput, index: number): string {
  const payload = event.payload;
  const distinct = text(payload.evidenceHash) || text(payload.approvalId) || text(payload.freezeId) || text(payload.idempotencyKey) || String(index);
  return `${analysisId}:${event.type}:${event.at}:${distinct}`;
}

/** The notifications of one commit, in event order; `reportBase` is the daemon's public URL. */
export function notificationsOf(committed: CommittedEvents, reportBase: string | null): Notification[] {
  const analysis = committed.record === null ? null : analysisOf(committed.record);
  const notifications: Notification[] = [];
  committed.events.forEach((event, index) => {
    const events = eventsOf(event);
    if (events.length === 0) return;
    const verdict = verdictOf(event);
    const rule = ruleOf(event.payload.rule);
    const subject = analysis === null ? 'canaryd' : `${analysis.service} ${analysis.version} (${analysis.environment})`;
    const evidenceHash = text(event.payload.evidenceHash);
    notifications.push({
      key: keyOf(analysis?.id ?? 'control', event, index),
      events,
      source: event.type,
      at: event.at,
      analysis,
      title: `${subject}: ${verdict}${rule === null ? '' : ` by ${rule.id}`}`,
      verdict,
      rule,
      reason: reasonOf(event),
      evidenceHash: evidenceHash === '' ? null : evidenceHash,
      link: analysis === null || reportBase === null ? null : `${reportBase.replace(/\/+$/, '')}/v1/analyses/${encodeURIComponent(analysis.id)}/report`,
      payload: event.payload,
    });
  });
  return notifications;
}
