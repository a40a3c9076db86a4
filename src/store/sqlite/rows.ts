// Rows of the SQLite store and their mapping to the Store's records (JSON columns parsed here).

import type { AdapterRequest } from '../../adapters/types.js';
import type { AnalysisState } from '../../analysis/types.js';
import type { AdapterCallRecord, AdapterCallStatus, AnalysisMode, AnalysisRecord, StoredEvent, Target } from '../types.js';
import type { ChainedEventRow } from '../event-chain.js';
import type { PinnedTemplates } from './pinned-templates.js';

export interface AnalysisRow {
  id: string;
  template: string;
  args: string;
  mode: string;
  adapter: string | null;
  target: string;
  phase: string;
  state: string;
  judge_memory: string;
  created_at: string;
  updated_at: string;
  version: number;
  control: string;
  creation_key: string | null;
}

/** What the control column holds. */
interface ControlColumn {
  createdBy?: string | null;
  /** The pinned template's key in pinned_templates (schema version 4 on). */
  templateKey?: string;
  /** The pinned template itself, in rows written before schema version 4. */
  templateSpec?: AnalysisRecord['templateSpec'];
  templateHash?: string;
  approvals?: AnalysisRecord['approvals'];
  initialState?: AnalysisRecord['initialState'];
  // Release record (issue 9), in the same JSON column: no migration needed.
  artifact?: string | null;
  previousVersion?: string | null;
  checks?: AnalysisRecord['checks'];
  rollbacks?: AnalysisRecord['rollbacks'];
}

export interface EventRow {
  analysis_id: string;
  seq: number;
  type: string;
  at: string;
  payload: string;
  hash: string;
  prev_hash: string;
}

export interface CallRow {
  id: number;
  analysis_id: string;
  adapter: string;
  idempotency_key: string;
  request: string;
  status: string;
  attempts: number;
  last_error: string | null;
  created_at: string;
  done_at: string | null;
}

/**
 * Within a write transaction: the pinned template is stored by `pins` if it is new. `pins` null
 * (the PostgreSQL store, which shares these rows): the template stays inline in the control column.
 */
export function analysisToRow(record: AnalysisRecord, pins: PinnedTemplates | null): AnalysisRow {
  return {
    id: record.id,
    template: record.template,
    args: JSON.stringify(record.args),
    mode: record.mode,
    adapter: record.adapter,
    target: JSON.stringify(record.target),
    phase: record.state.phase,
    state: JSON.stringify(record.state),
    judge_memory: JSON.stringify(record.judgeMemory),
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    version: record.version,
    control: JSON.stringify({
      createdBy: record.createdBy,
      ...(pins === null || record.templateSpec === undefined ? { templateSpec: record.templateSpec } : { templateKey: pins.pin(record.templateSpec) }),
      templateHash: record.templateHash,
      approvals: record.approvals,
      initialState: record.initialState,
      artifact: record.artifact,
      previousVersion: record.previousVersion,
      checks: record.checks,
      rollbacks: record.rollbacks,
    } satisfies ControlColumn),
    creation_key: record.creationKey ?? null,
  };
}

export function rowToAnalysis(row: AnalysisRow, pins: PinnedTemplates | null): AnalysisRecord {
  const control = JSON.parse(row.control) as ControlColumn;
  const record: AnalysisRecord = {
    id: row.id,
    template: row.template,
    args: JSON.parse(row.args) as Record<string, string>,
    mode: row.mode as AnalysisMode,
    adapter: row.adapter,
    target: JSON.parse(row.target) as Target,
    state: JSON.parse(row.state) as AnalysisState,
    judgeMemory: JSON.parse(row.judge_memory) as Record<string, unknown>,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: row.version,
  };
  if (control.createdBy !== undefined) record.createdBy = control.createdBy;
  if (row.creation_key !== null) record.creationKey = row.creation_key;
  if (control.templateKey !== undefined) {
    if (pins === null) throw new Error(`analysis ${row.id}: its pinned template is stored by key, and this store keeps templates inline`);
    record.templateSpec = pins.specFor(control.templateKey);
  } else if (control.templateSpec !== undefined) record.templateSpec = control.templateSpec;
  if (control.templateHash !== undefined) record.templateHash = control.templateHash;
  if (control.approvals !== undefined) record.approvals = control.approvals;
  if (control.initialState !== undefined) record.initialState = control.initialState;
  if (control.artifact !== undefined) record.artifact = control.artifact;
  if (control.previousVersion !== undefined) record.previousVersion = control.previousVersion;
  if (control.checks !== undefined) record.checks = control.checks;
  if (control.rollbacks !== undefined) record.rollbacks = control.rollbacks;
  return record;
}

export function eventToRow(event: ChainedEventRow): EventRow {
  return {
    analysis_id: event.analysisId,
    seq: event.seq,
    type: event.type,
    at: event.at,
    payload: event.payloadJson,
    hash: event.hash,
    prev_hash: event.prevHash,
  };
}

export function rowToEvent(row: EventRow): StoredEvent {
  return {
    seq: row.seq,
    analysisId: row.analysis_id,
    type: row.type,
    at: row.at,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    hash: row.hash,
    prevHash: row.prev_hash,
  };
}

export function rowToCall(row: CallRow): AdapterCallRecord {
  return {
    id: row.id,
    analysisId: row.analysis_id,
    adapter: row.adapter,
    idempotencyKey: row.idempotency_key,
    request: JSON.parse(row.request) as AdapterRequest,
    status: row.status as AdapterCallStatus,
    attempts: row.attempts,
    lastError: row.last_error,
    createdAt: row.created_at,
    doneAt: row.done_at,
  };
}

/** For analysisToRow/rowToAnalysis: pinned templates kept inline in each row (the PostgreSQL store). */
export const INLINE_TEMPLATES = null;
