// Listing analyses a page at a time, as summaries: what a list shows (target, phase, step, the
// last verdict's action and rule) without the full verdict (every condition, value and query) or
// the judge memory, so a store can answer it without reading and parsing whole state rows.

import { DomainError } from '../analysis/errors.js';
import type { Phase, RuleRef, VerdictAction } from '../analysis/types.js';
import type { AnalysisMode, AnalysisRecord, Target } from './types.js';

export interface VerdictSummary {
  action: VerdictAction;
  rule: RuleRef | null;
  reason: string;
  at: string;
  evidenceHash: string;
}

export interface AnalysisSummary {
  id: string;
  template: string;
  args: Record<string, string>;
  mode: AnalysisMode;
  adapter: string | null;
  target: Target;
  phase: Phase;
  stepIndex: number;
  /** Epoch ms. */
  startedAt: number;
  stepStartedAt: number;
  decidedAt: number | null;
  decidedBy: RuleRef | null;
  lastVerdict: VerdictSummary | null;
  /** The controller's last reported weight (observe mode following a controller); null otherwise. */
  observedWeight: number | null;
  createdAt: string;
  updatedAt: string;
  version: number;
  createdBy: string | null;
  templateHash: string | null;
  /** The step weights of the template the analysis was created with (pinned); null when none was pinned. */
  pinnedStepWeights: number[] | null;
}

/** Every filter given must match (and); absent filters match everything. */
export interface AnalysisFilter {
  phase?: Phase;
  template?: string;
  service?: string;
  environment?: string;
  version?: string;
}

export interface AnalysisListQuery extends AnalysisFilter {
  /** At most this many (a positive integer). */
  limit: number;
  /** The previous page's nextCursor: the page starts after it. Opaque; each store has its own. */
  cursor?: string;
}

export interface AnalysisPage {
  /** Oldest first (creation order). */
  analyses: AnalysisSummary[];
  /** Where the next page starts; null on the last page. */
  nextCursor: string | null;
}

export const MAX_PAGE_LIMIT = 1_000;

export function summarize(record: AnalysisRecord): AnalysisSummary {
  const { state } = record;
  const last = state.lastVerdict;
  return {
    id: record.id,
    template: record.template,
    args: record.args,
    mode: record.mode,
    adapter: record.adapter,
    target: record.target,
    phase: state.phase,
    stepIndex: state.stepIndex,
    startedAt: state.startedAt,
    stepStartedAt: state.stepStartedAt,
    decidedAt: state.decidedAt,
    decidedBy: state.decidedBy,
    lastVerdict: last === null ? null : { action: last.action, rule: last.rule, reason: last.reason, at: last.at, evidenceHash: last.evidenceHash },
    observedWeight: state.follow?.weight ?? null,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    version: record.version,
    createdBy: record.createdBy ?? null,
    templateHash: record.templateHash ?? null,
    pinnedStepWeights: record.templateSpec === undefined ? null : record.templateSpec.steps.map((step) => step.weight),
  };
}

export function matchesFilter(record: AnalysisRecord, filter: AnalysisFilter): boolean {
  return (
    (filter.phase === undefined || record.state.phase === filter.phase) &&
    (filter.template === undefined || record.template === filter.template) &&
    (filter.service === undefined || record.target.service === filter.service) &&
    (filter.environment === undefined || record.target.environment === filter.environment) &&
    (filter.version === undefined || record.target.version === filter.version)
  );
}

/** Refuses a limit that is not a whole number in 1..MAX_PAGE_LIMIT. */
export function pageLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
    throw new DomainError('invalid-request', `limit must be a whole number from 1 to ${MAX_PAGE_LIMIT}, got ${limit}`, 'limit');
  }
  return limit;
}

/** A cursor is `<prefix><position>` in base64url: the creation position of the page's last analysis. */
export function encodeCursor(prefix: string, position: number): string {
  return Buffer.from(`${prefix}${position}`, 'utf8').toString('base64url');
}

/** The position in a cursor this store wrote; a client's mangled cursor is refused (400, field cursor). */
export function decodeCursor(prefix: string, cursor: string): number {
  const text = /^[A-Za-z0-9_-]{1,64}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const position = text.startsWith(prefix) ? Number(text.slice(prefix.length)) : Number.NaN;
  if (!Number.isSafeInteger(position) || position < 0 || !/^\d+$/.test(text.slice(prefix.length))) {
    throw new DomainError('invalid-request', 'cursor is not one this server gave out (pass the nextCursor of the previous page as is)', 'cursor');
  }
  return position;
}
