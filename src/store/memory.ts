// An in-memory Store with the same semantics as the SQLite one (unit tests of the daemon).
// Values go through a JSON round trip on the way in and out, as they do through SQLite's JSON
// columns, so callers can neither mutate stored data nor see values SQLite would not keep.

import { DomainError } from '../analysis/errors.js';
import type { Phase } from '../analysis/types.js';
import { checkCalls } from './call-checks.js';
import { chainEvents } from './event-chain.js';
import { pruneCutoff, pruneLimit } from './prune-checks.js';
import { isOfTarget, releaseLimit, releasePage, unknownCursor } from './release-checks.js';
import type { AdapterCallInput, AdapterCallRecord, AnalysisRecord, CallOutcome, EventInput, Store, StoredEvent } from './types.js';
import { CONTROL_TRAIL_ID, ENDED_PHASES } from './types.js';
import type { FreezeRecord } from '../control/types.js';
import { decodeCursor, encodeCursor, matchesFilter, pageLimit, summarize, type AnalysisSummary } from './summary.js';

const CURSOR_PREFIX = 'm:';

function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

export function createMemoryStore(options: { now?: () => number } = {}): Store {
  const now = options.now ?? Date.now;
  const analyses = new Map<string, AnalysisRecord>();
  /** Creation order, for cursors (ids of pruned analyses keep theirs unused). */
  const positions = new Map<string, number>();
  let nextPosition = 1;
  const events = new Map<string, StoredEvent[]>();
  let calls: AdapterCallRecord[] = [];
  let nextCallId = 1;
  let open = true;
  const freezes = new Map<string, FreezeRecord>();
  let controlEvents: StoredEvent[] = [];

  function ensureOpen(): void {
    if (!open) throw new DomainError('store-unavailable', 'the in-memory store is closed');
  }

  /** Computes every change first and applies it only when nothing threw: all or nothing. */
  function write(record: AnalysisRecord, newEvents: EventInput[], newCalls: AdapterCallInput[]): void {
    checkCalls(record.id, newCalls);
    const storedRecord = copy(record);
    const trail = events.get(record.id) ?? [];
    const last = trail[trail.length - 1];
    const chained = chainEvents(record.id, last ? { seq: last.seq, hash: last.hash } : null, newEvents);
    const knownKeys = new Set(calls.filter((c) => c.analysisId === record.id).map((c) => c.idempotencyKey));
    const callRecords: AdapterCallRecord[] = [];
    for (const call of newCalls) {
      if (knownKeys.has(call.idempotencyKey)) continue;
      knownKeys.add(call.idempotencyKey);
      callRecords.push({
        ...copy(call),
        id: 0,
        analysisId: record.id,
        status: 'pending',
        attempts: 0,
        lastError: null,
        createdAt: record.updatedAt,
        doneAt: null,
      });
    }
    analyses.set(record.id, storedRecord);
    events.set(record.id, [...trail, ...chained]);
    for (const call of callRecords) {
      call.id = nextCallId++;
      calls.push(call);
    }
  }

  return {
    async createAnalysis(record, newEvents, newCalls) {
      ensureOpen();
      if (analyses.has(record.id)) {
        throw new DomainError('conflict', `analysis ${record.id} already exists`);
      }
      const key = record.creationKey ?? null;
      if (key !== null && [...analyses.values()].some((other) => other.creationKey === key)) {
        throw new DomainError('conflict', `an analysis with creation key ${key} already exists`);
      }
      write(record, newEvents, newCalls);
      positions.set(record.id, nextPosition++);
    },

    async commitTransition(record, newEvents, newCalls, commitOptions) {
      ensureOpen();
      const stored = analyses.get(record.id);
      if (!stored) throw new DomainError('not-found', `analysis ${record.id} does not exist`);
      if (stored.version !== record.version - 1) {
        throw new DomainError('conflict', `analysis ${record.id} is at version ${stored.version}; a transition to version ${record.version} is stale`);
      }
      const retry = commitOptions?.retryCalls ?? [];
      const retried = retry.map((id) => calls.find((c) => c.id === id && c.analysisId === record.id));
      if (retried.some((call) => call === undefined || call.status !== 'failed')) {
        throw new DomainError('conflict', `calls ${retry.join(', ')} of analysis ${record.id} are not all failed`);
      }
      write(record, newEvents, newCalls);
      for (const call of retried) {
        if (call === undefined) continue;
        call.status = 'pending';
        call.doneAt = null;
      }
    },

    async markCallDone(callId: number, outcome: CallOutcome) {
      ensureOpen();
      const call = calls.find((c) => c.id === callId);
      if (!call) throw new DomainError('not-found', `adapter call ${callId} does not exist`);
      if (call.status !== 'pending') {
        throw new DomainError('conflict', `adapter call ${callId} is already ${call.status}`);
      }
      call.status = outcome.ok ? 'done' : 'failed';
      call.attempts = outcome.attempts;
      call.lastError = outcome.ok ? null : outcome.error;
      call.doneAt = new Date(now()).toISOString();
    },

    async getAnalysis(id) {
      ensureOpen();
      const record = analyses.get(id);
      return record ? copy(record) : null;
    },

    async listAnalyses(filter?: { phase?: Phase }) {
      ensureOpen();
      const all = [...analyses.values()].filter((r) => !filter?.phase || r.state.phase === filter.phase);
      return copy(all);
    },

    async listAnalysisSummaries(query) {
      ensureOpen();
      const limit = pageLimit(query.limit);
      const after = query.cursor === undefined ? 0 : decodeCursor(CURSOR_PREFIX, query.cursor);
      const page: AnalysisSummary[] = [];
      let last = 0;
      for (const record of analyses.values()) {
        const position = positions.get(record.id) ?? 0;
        if (position <= after || !matchesFilter(record, query)) continue;
        if (page.length === limit) return { analyses: copy(page), nextCursor: encodeCursor(CURSOR_PREFIX, last) };
        page.push(summarize(record));
        last = position;
      }
      return { analyses: copy(page), nextCursor: null };
    },

    async listEvents(analysisId) {
      ensureOpen();
      return copy(events.get(analysisId) ?? []);
    },

    async pendingCalls() {
      ensureOpen();
      return copy(calls.filter((c) => c.status === 'pending'));
    },

    async callsFor(analysisId) {
      ensureOpen();
      return copy(calls.filter((c) => c.analysisId === analysisId));
    },

    async pruneEnded(olderThan, options) {
      ensureOpen();
      const cutoff = pruneCutoff(olderThan);
      const limit = pruneLimit(options);
      const busy = new Set(calls.filter((c) => c.status === 'pending').map((c) => c.analysisId));
      // Map order is insertion order: creation order, as in SQLite.
      const doomed = [...analyses.values()]
        .filter((r) => ENDED_PHASES.includes(r.state.phase) && r.updatedAt < cutoff && !busy.has(r.id))
        .slice(0, limit)
        .map((r) => r.id);
      const gone = new Set(doomed);
      for (const id of doomed) {
        analyses.delete(id);
        events.delete(id);
      }
      calls = calls.filter((c) => !gone.has(c.analysisId));
      return doomed;
    },

    async findByCreationKey(key) {
      ensureOpen();
      const found = [...analyses.values()].find((record) => record.creationKey === key);
      return found ? copy(found) : null;
    },

    async saveFreeze(freeze, event) {
      ensureOpen();
      const last = controlEvents[controlEvents.length - 1];
      const chained = chainEvents(CONTROL_TRAIL_ID, last ? { seq: last.seq, hash: last.hash } : null, [event]);
      freezes.set(freeze.id, copy(freeze));
      controlEvents = [...controlEvents, ...chained];
    },

    async listFreezes() {
      ensureOpen();
      return copy([...freezes.values()]);
    },

    async listControlEvents() {
      ensureOpen();
      return copy(controlEvents);
    },

    async listReleases(query) {
      ensureOpen();
      const limit = releaseLimit(query);
      // Map order is insertion order: creation order, as in SQLite.
      const ofTarget = [...analyses.values()].filter((record) => isOfTarget(record, query)).reverse();
      let start = 0;
      if (query.before !== undefined) {
        const index = ofTarget.findIndex((record) => record.id === query.before);
        if (index === -1) throw unknownCursor(query);
        start = index + 1;
      }
      return copy(releasePage(ofTarget.slice(start, start + limit + 1), limit));
    },

    async close() {
      open = false;
    },
  };
}
