// The Store: analysis state, its append-only hash-chained event trail and the adapter calls it
// recorded. Async so that a PostgreSQL backend (several replicas) can implement the same contract.

import type { AdapterRequest } from '../adapters/types.js';
import type { AnalysisState, CheckEvidence, CompiledTemplate, Phase, Target } from '../analysis/types.js';
import type { ApprovalRecord, FreezeRecord } from '../control/types.js';
import type { AnalysisListQuery, AnalysisPage } from './summary.js';

export type { AnalysisFilter, AnalysisListQuery, AnalysisPage, AnalysisSummary, VerdictSummary } from './summary.js';

export { verifyEventChain, computeEventHash, GENESIS_HASH } from './event-chain.js';

export type AnalysisMode = 'drive' | 'observe';

/** The id under which the control trail (freezes) is chained. */
export const CONTROL_TRAIL_ID = 'control';

export type { AdapterAction, Target } from '../analysis/types.js';

export interface AnalysisRecord {
  id: string;
  template: string;
  args: Record<string, string>;
  mode: AnalysisMode;
  /** Name of the deployment adapter (drive mode); null in observe mode. */
  adapter: string | null;
  target: Target;
  state: AnalysisState;
  /** Whatever a sequential judge must carry from one tick to the next. */
  judgeMemory: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  /** 1 when created; every committed transition increments it by one. */
  version: number;
  /** The principal that created it (null without auth). */
  createdBy?: string | null;
  /** `{principal}:{Idempotency-Key}` of the create request; unique. */
  creationKey?: string | null;
  /** The template it was created with (pinned) and the sha256 of its canonical JSON. */
  templateSpec?: CompiledTemplate;
  templateHash?: string;
  /** The state it was created in: a create repeated with its Idempotency-Key answers the same body. */
  initialState?: AnalysisState;
  /** Its approval requests, newest last; written with the state, in the same transaction. */
  approvals?: ApprovalRecord[];
  /** Release record (issue 9): the artifact's digest (e.g. sha256:…) and the version it replaces; null: not given. */
  artifact?: string | null;
  previousVersion?: string | null;
  /** The latest evidence of each check posted to it (spec.checks), by check name. */
  checks?: Record<string, CheckEvidence>;
  /** Rollbacks of its target recorded on it (POST /v1/releases/rollback), oldest first. */
  rollbacks?: StoredRollback[];
}

/** A rollback as stored; its status is the status of the adapter call with `idempotencyKey`. */
export interface StoredRollback {
  id: string;
  service: string;
  environment: string;
  fromVersion: string;
  toVersion: string;
  reason: string;
  actor: string;
  at: string;
  analysisId: string;
  adapter: string;
  idempotencyKey: string;
}

/** The releases of one target: newest first, `limit` at most, created before the analysis `before` (a cursor). */
export interface ReleaseQuery {
  service: string;
  environment: string;
  /** 1 to MAX_RELEASE_PAGE. */
  limit: number;
  /** An analysis id of this target, as returned in nextCursor. */
  before?: string;
}

export const MAX_RELEASE_PAGE = 500;

export interface ReleasePage {
  records: AnalysisRecord[];
  /** The `before` of the next page (the id of the last record of this one); null when there are no more. */
  nextCursor: string | null;
}

export interface EventInput {
  type: string;
  at: string;
  payload: Record<string, unknown>;
}

export interface StoredEvent extends EventInput {
  /** 1-based, per analysis, without gaps. */
  seq: number;
  analysisId: string;
  hash: string;
  prevHash: string;
}

export interface AdapterCallInput {
  adapter: string;
  /** Must equal request.idempotencyKey; unique per analysis. */
  idempotencyKey: string;
  request: AdapterRequest;
}

export type AdapterCallStatus = 'pending' | 'done' | 'failed';

export interface AdapterCallRecord extends AdapterCallInput {
  id: number;
  analysisId: string;
  status: AdapterCallStatus;
  attempts: number;
  lastError: string | null;
  /** The updatedAt of the transition that recorded the call. */
  createdAt: string;
  doneAt: string | null;
}

/** Phases after which an analysis never changes again: the only ones pruneEnded deletes. */
export { ENDED_PHASES } from '../analysis/types.js';

export interface CommitOptions {
  /** Ids of this analysis' failed calls to make pending again (same key and request), in the same transaction. */
  retryCalls?: number[];
  /** The writer's lease of the analysis (replicas); a store with leases refuses the write with 'lease-lost' unless it is current. */
  fence?: Fence;
}

/** A replica's lease of one analysis: the fencing token grows with every change of holder. */
export interface Fence {
  owner: string;
  token: number;
}

export interface LeaseGrant {
  analysisId: string;
  token: number;
}

/**
 * Leases of analyses among replicas sharing one store (PostgreSQL). Times are epoch ms of the
 * caller's clock; replicas' clocks must agree to well within the lease's time to live.
 */
export interface LeaseStore {
  /**
   * In one transaction: this replica's heartbeat, the renewal of every lease it still holds, the
   * release of leases of ended analyses (once their last calls are made), and claims of unleased or
   * expired leases of analyses that have not ended or still have pending calls, up to its fair share
   * (such analyses / live replicas, rounded up). Returns what it holds and that share.
   */
  heartbeat(owner: string, now: number, ttlMs: number): Promise<LeaseHeartbeat>;
  /**
   * Gives back these leases (owner and token must match; others are left alone): a replica above
   * its share after another joined, so that the newcomer claims them at its next heartbeat.
   */
  handBack(owner: string, grants: readonly LeaseGrant[]): Promise<void>;
  /** Gives up every lease of this replica and its heartbeat (a clean shutdown: others take over at once). */
  release(owner: string): Promise<void>;
}

export interface LeaseHeartbeat {
  /** The leases this replica holds after the heartbeat. */
  grants: LeaseGrant[];
  /** Analyses that need a holder / live replicas, rounded up: no replica claims beyond it. */
  share: number;
}

export interface PruneOptions {
  /** At most this many analyses in this call (oldest first); default: all that qualify. */
  limit?: number;
}

export type CallOutcome = { ok: true; attempts: number } | { ok: false; attempts: number; error: string };

/**
 * Error codes (DomainError.code): 'conflict' (stale version, duplicate analysis id, or a call
 * already marked), 'not-found', 'invalid-adapter-call' (a call whose key or analysis does not
 * match), 'invalid-argument' (a malformed pruneEnded cutoff), 'store-unavailable' (the backend
 * cannot be opened or answered with an error).
 */
export interface Store {
  /** Inserts the analysis (any version, normally 1) with its first events and calls, atomically. */
  createAnalysis(record: AnalysisRecord, events: EventInput[], calls: AdapterCallInput[]): Promise<void>;
  /**
   * Optimistic: fails with DomainError code 'conflict' when record.version - 1 is not the stored
   * version. State, events and calls in ONE transaction. A call whose idempotency key the analysis
   * already has is ignored (the earlier record stands), so a retried decision never calls twice.
   */
  commitTransition(record: AnalysisRecord, events: EventInput[], calls: AdapterCallInput[], options?: CommitOptions): Promise<void>;
  /** Marks a pending call done or failed; 'not-found' for an unknown id, 'conflict' when not pending. */
  markCallDone(callId: number, outcome: CallOutcome, options?: { fence?: Fence }): Promise<void>;
  getAnalysis(id: string): Promise<AnalysisRecord | null>;
  /** Oldest first. */
  listAnalyses(filter?: { phase?: Phase }): Promise<AnalysisRecord[]>;
  /**
   * One page of summaries, oldest first, of the analyses matching every filter given: at most
   * `limit` (1..MAX_PAGE_LIMIT, else 'invalid-request' field limit), starting after `cursor` (a
   * nextCursor this store gave; anything else is 'invalid-request' field cursor). nextCursor is null
   * on the last page; an analysis created after a page was read appears on a later page. Summaries
   * leave out the full verdict and judge memory, so the store need not parse whole state rows.
   */
  listAnalysisSummaries(query: AnalysisListQuery): Promise<AnalysisPage>;
  /** In seq order. */
  listEvents(analysisId: string): Promise<StoredEvent[]>;
  /** Calls with status pending, oldest first (recovery after a restart). */
  pendingCalls(): Promise<AdapterCallRecord[]>;
  /** All calls of one analysis, oldest first. */
  callsFor(analysisId: string): Promise<AdapterCallRecord[]>;
  /**
   * Retention: deletes, in one transaction, every analysis whose phase is ended (ENDED_PHASES) and
   * whose updatedAt (its last transition, so its end) is before `olderThan` (an ISO 8601 instant),
   * together with all its events and adapter calls. Whole analyses only, so every remaining trail
   * still verifies; an analysis with a pending adapter call is kept. Returns the deleted ids in
   * creation order (oldest first); with `limit`, the oldest that many.
   */
  pruneEnded(olderThan: string, options?: PruneOptions): Promise<string[]>;
  /** The analysis created with this creation key, if any. */
  findByCreationKey(key: string): Promise<AnalysisRecord | null>;
  /** Inserts or replaces a freeze and appends its event to the control trail, atomically. */
  saveFreeze(freeze: FreezeRecord, event: EventInput): Promise<void>;
  /** Oldest first. */
  listFreezes(): Promise<FreezeRecord[]>;
  /** The hash-chained trail of freezes (analysisId "control"). */
  listControlEvents(): Promise<StoredEvent[]>;
  /**
   * The analyses of one target (service + environment), newest (last created) first. 'invalid-argument'
   * for a limit outside 1..MAX_RELEASE_PAGE; 'invalid-request' (field "before") when `before` is not an
   * analysis of this target.
   */
  listReleases(query: ReleaseQuery): Promise<ReleasePage>;
  close(): Promise<void>;
  /** Present when several replicas can share the store (PostgreSQL); absent: a single writer. */
  leases?: LeaseStore;
}
