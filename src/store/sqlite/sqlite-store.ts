// The embedded default Store: one SQLite file through better-sqlite3, WAL journal (readers — the
// verdict API — run while a transition is written). Which commits are fsynced before they return
// (FULL) and which routine ticks are not (NORMAL), and why: durability.ts. better-sqlite3 is
// synchronous; the methods are async only to honour the Store interface.

import { DomainError } from '../../analysis/errors.js';
import type { Phase } from '../../analysis/types.js';
import { checkCalls } from '../call-checks.js';
import { chainEventRows } from '../event-chain.js';
import { pruneCutoff, pruneLimit } from '../prune-checks.js';
import { releaseLimit } from '../release-checks.js';
import { prepareReleaseQuery } from './releases.js';
import type { FreezeRecord } from '../../control/types.js';
import { CONTROL_TRAIL_ID, ENDED_PHASES, type AdapterCallInput, type AnalysisRecord, type CallOutcome, type EventInput, type Store } from '../types.js';
import { openDatabase, storeOperations } from './open-database.js';
import { prepareSummaryPage } from './summaries.js';
import { isRoutineCommit, synchronousSwitch } from './durability.js';
import { startBackgroundCheckpointer } from './checkpointer.js';
import { routineCommitGroup, type CommitGroupOptions } from './commit-group.js';
import { preparePinnedTemplates } from './pinned-templates.js';
import { analysisRowCache } from './row-cache.js';
import { analysisToRow, eventToRow, rowToAnalysis, rowToCall, rowToEvent, type AnalysisRow, type CallRow, type EventRow } from './rows.js';

export interface SqliteStoreOptions {
  now?: () => number;
  /** WAL checkpoints in a worker thread instead of inside commits (checkpointer.ts); the daemon's store has them. */
  backgroundCheckpoint?: boolean;
  /** Routine ticks arriving together share one transaction (commit-group.ts); the daemon's store has it. */
  commitGroup?: CommitGroupOptions;
}

export function openSqliteStore(path: string, options: SqliteStoreOptions = {}): Store {
  const now = options.now ?? Date.now;
  const db = openDatabase(path);
  const checkpointer = options.backgroundCheckpoint === true && path !== ':memory:' ? startBackgroundCheckpointer(db, path) : null;
  const pins = preparePinnedTemplates(db, path);
  const toRecord = (row: AnalysisRow) => rowToAnalysis(row, pins);
  const rows = analysisRowCache(db);

  const insertAnalysis = db.prepare<[AnalysisRow]>(`
    INSERT INTO analyses (id, template, args, mode, adapter, target, phase, state, judge_memory, created_at, updated_at, version, control, creation_key)
    VALUES (@id, @template, @args, @mode, @adapter, @target, @phase, @state, @judge_memory, @created_at, @updated_at, @version, @control, @creation_key)`);
  const updateAnalysis = db.prepare<[AnalysisRow & { expected_version: number }]>(`
    UPDATE analyses SET template = @template, args = @args, mode = @mode, adapter = @adapter, target = @target,
      phase = @phase, state = @state, judge_memory = @judge_memory, created_at = @created_at,
      updated_at = @updated_at, version = @version, control = @control
    WHERE id = @id AND version = @expected_version`);
  const selectByCreationKey = db.prepare<[string], AnalysisRow>('SELECT * FROM analyses WHERE creation_key = ?');
  const upsertFreeze = db.prepare<[{ id: string; body: string }]>(
    'INSERT INTO freezes (id, body) VALUES (@id, @body) ON CONFLICT (id) DO UPDATE SET body = excluded.body',
  );
  const selectFreezes = db.prepare<[], { body: string }>('SELECT body FROM freezes ORDER BY position');
  const selectLastControlEvent = db.prepare<[], { seq: number; hash: string }>('SELECT seq, hash FROM control_events ORDER BY seq DESC LIMIT 1');
  const insertControlEvent = db.prepare<[Omit<EventRow, 'analysis_id'>]>(`
    INSERT INTO control_events (seq, type, at, payload, hash, prev_hash) VALUES (@seq, @type, @at, @payload, @hash, @prev_hash)`);
  const selectControlEvents = db.prepare<[], Omit<EventRow, 'analysis_id'>>('SELECT * FROM control_events ORDER BY seq');
  const selectAnalysis = db.prepare<[string], AnalysisRow>('SELECT * FROM analyses WHERE id = ?');
  const summaryPage = prepareSummaryPage(db, pins);
  const selectAllAnalyses = db.prepare<[], AnalysisRow>('SELECT * FROM analyses ORDER BY position');
  const selectAnalysesByPhase = db.prepare<[string], AnalysisRow>('SELECT * FROM analyses WHERE phase = ? ORDER BY position');
  const selectLastEvent = db.prepare<[string], { seq: number; hash: string }>('SELECT seq, hash FROM events WHERE analysis_id = ? ORDER BY seq DESC LIMIT 1');
  const insertEvent = db.prepare<[EventRow]>(`
    INSERT INTO events (analysis_id, seq, type, at, payload, hash, prev_hash)
    VALUES (@analysis_id, @seq, @type, @at, @payload, @hash, @prev_hash)`);
  const selectEvents = db.prepare<[string], EventRow>('SELECT * FROM events WHERE analysis_id = ? ORDER BY seq');
  // ON CONFLICT on the (analysis_id, idempotency_key) index only: a call already recorded for this
  // decision is kept as it is, while any other constraint violation still fails the transaction
  // (INSERT OR IGNORE would silently swallow those too).
  const insertCall = db.prepare<[Omit<CallRow, 'id' | 'attempts' | 'last_error' | 'done_at' | 'status'>]>(`
    INSERT INTO adapter_calls (analysis_id, adapter, idempotency_key, request, status, created_at)
    VALUES (@analysis_id, @adapter, @idempotency_key, @request, 'pending', @created_at)
    ON CONFLICT (analysis_id, idempotency_key) DO NOTHING`);
  const selectCall = db.prepare<[number], CallRow>('SELECT * FROM adapter_calls WHERE id = ?');
  const finishCall = db.prepare<[{ id: number; status: string; attempts: number; last_error: string | null; done_at: string }]>(`
    UPDATE adapter_calls SET status = @status, attempts = @attempts, last_error = @last_error, done_at = @done_at
    WHERE id = @id AND status = 'pending'`);
  const selectPendingCalls = db.prepare<[], CallRow>("SELECT * FROM adapter_calls WHERE status = 'pending' ORDER BY id");
  const selectCallsFor = db.prepare<[string], CallRow>('SELECT * FROM adapter_calls WHERE analysis_id = ? ORDER BY id');

  const endedPhases = ENDED_PHASES.map((phase) => `'${phase}'`).join(', ');
  const selectPrunable = db.prepare<[{ cutoff: string; limit: number }], { id: string }>(`
    SELECT id FROM analyses
    WHERE phase IN (${endedPhases}) AND updated_at < @cutoff
      AND NOT EXISTS (SELECT 1 FROM adapter_calls WHERE analysis_id = analyses.id AND status = 'pending')
    ORDER BY position LIMIT @limit`);
  const listReleases = prepareReleaseQuery(db, pins);
  const deleteAnalysis = db.prepare<[string]>('DELETE FROM analyses WHERE id = ?');
  const deleteEvents = db.prepare<[string]>('DELETE FROM events WHERE analysis_id = ?');
  const deleteCalls = db.prepare<[string]>('DELETE FROM adapter_calls WHERE analysis_id = ?');

  function appendEventsAndCalls(record: AnalysisRecord, events: EventInput[], calls: AdapterCallInput[]): void {
    const chained = chainEventRows(record.id, selectLastEvent.get(record.id) ?? null, events);
    for (const event of chained) insertEvent.run(eventToRow(event));
    for (const call of calls) {
      insertCall.run({
        analysis_id: record.id,
        adapter: call.adapter,
        idempotency_key: call.idempotencyKey,
        request: JSON.stringify(call.request),
        created_at: record.updatedAt,
      });
    }
  }

  // IMMEDIATE transactions take the write lock before the first read, so the last event read for
  // chaining cannot be overtaken by another connection's write.
  const createTransaction = db.transaction((record: AnalysisRecord, events: EventInput[], calls: AdapterCallInput[]) => {
    if (selectAnalysis.get(record.id)) {
      throw new DomainError('conflict', `analysis ${record.id} already exists`);
    }
    if (record.creationKey != null && selectByCreationKey.get(record.creationKey)) {
      throw new DomainError('conflict', `an analysis with creation key ${record.creationKey} already exists`);
    }
    const row = analysisToRow(record, pins);
    insertAnalysis.run(row);
    rows.stage(row);
    appendEventsAndCalls(record, events, calls);
  });
  const rearmCall = db.prepare<[{ id: number; analysis_id: string }]>(
    "UPDATE adapter_calls SET status = 'pending', done_at = NULL WHERE id = @id AND analysis_id = @analysis_id AND status = 'failed'",
  );
  /** The row at record.version - 1 becomes record; otherwise why not (nothing written). */
  function updateRow(record: AnalysisRecord): DomainError | undefined {
    const row = analysisToRow(record, pins);
    if (updateAnalysis.run({ ...row, expected_version: record.version - 1 }).changes > 0) {
      rows.stage(row);
      return undefined;
    }
    const stored = selectAnalysis.get(record.id);
    if (!stored) return new DomainError('not-found', `analysis ${record.id} does not exist`);
    return new DomainError('conflict', `analysis ${record.id} is at version ${stored.version}; a transition to version ${record.version} is stale`);
  }
  const transitionTransaction = db.transaction((record: AnalysisRecord, events: EventInput[], calls: AdapterCallInput[], retry: readonly number[]) => {
    const refused = updateRow(record);
    if (refused !== undefined) throw refused;
    appendEventsAndCalls(record, events, calls);
    for (const id of retry) {
      if (rearmCall.run({ id, analysis_id: record.id }).changes === 0) {
        throw new DomainError('conflict', `adapter call ${id} of analysis ${record.id} is not a failed call`);
      }
    }
  });

  const pruneTransaction = db.transaction((cutoff: string, limit: number): string[] => {
    // Prepared anew each time: SQLite applies a flag pragma when it compiles it, not when it runs.
    // The flag is reset by the end of this transaction, so it lets the analysis row go before its
    // events, which the events_no_delete trigger requires (schema migration 2).
    db.pragma('defer_foreign_keys = ON');
    const ids = selectPrunable.all({ cutoff, limit }).map((row) => row.id);
    for (const id of ids) {
      deleteAnalysis.run(id);
      deleteEvents.run(id);
      deleteCalls.run(id);
    }
    if (ids.length > 0) pins.deleteUnused();
    return ids;
  });

  const freezeTransaction = db.transaction((freeze: FreezeRecord, event: EventInput) => {
    const [chained] = chainEventRows(CONTROL_TRAIL_ID, selectLastControlEvent.get() ?? null, [event]);
    upsertFreeze.run({ id: freeze.id, body: JSON.stringify(freeze) });
    if (chained !== undefined) {
      const { analysis_id: _ignored, ...row } = eventToRow(chained);
      insertControlEvent.run(row);
    }
  });

  const run = storeOperations(db, path);
  const syncFor = synchronousSwitch(db);

  const routineCommits =
    options.commitGroup === undefined
      ? null
      : routineCommitGroup(
          db,
          {
            writeInTransaction: ({ record, events }) => {
              const refused = updateRow(record);
              if (refused === undefined) appendEventsAndCalls(record, events, []);
              return refused;
            },
            writeAlone: ({ record, events }) => transitionTransaction.immediate(record, events, [], []),
            run: (operation) =>
              run(() =>
                rows.writing(() => {
                  syncFor(false);
                  return operation();
                }),
              ),
          },
          options.commitGroup,
        );
  /** Every write but a grouped routine tick: first the routine commits queued before it, then this one, FULL or NORMAL. */
  function write<T>(durable: boolean, operation: () => T): T {
    routineCommits?.flush();
    return run(() =>
      rows.writing(() => {
        syncFor(durable);
        return operation();
      }),
    );
  }

  return {
    async createAnalysis(record, events, calls) {
      checkCalls(record.id, calls);
      write(true, () => createTransaction.immediate(record, events, calls));
    },

    async commitTransition(record, events, calls, options) {
      checkCalls(record.id, calls);
      const retry = options?.retryCalls ?? [];
      const routine = isRoutineCommit(events, calls, retry);
      if (routine && routineCommits !== null) return routineCommits.add({ record, events });
      write(!routine, () => transitionTransaction.immediate(record, events, calls, retry));
    },

    async markCallDone(callId: number, outcome: CallOutcome) {
      write(true, () => {
        const result = finishCall.run({
          id: callId,
          status: outcome.ok ? 'done' : 'failed',
          attempts: outcome.attempts,
          last_error: outcome.ok ? null : outcome.error,
          done_at: new Date(now()).toISOString(),
        });
        if (result.changes > 0) return;
        const call = selectCall.get(callId);
        if (!call) throw new DomainError('not-found', `adapter call ${callId} does not exist`);
        throw new DomainError('conflict', `adapter call ${callId} is already ${call.status}`);
      });
    },

    async getAnalysis(id) {
      return run(() => {
        const row = rows.read(id, () => selectAnalysis.get(id));
        return row ? toRecord(row) : null;
      });
    },

    async listAnalyses(filter?: { phase?: Phase }) {
      return run(() => {
        const rows = filter?.phase ? selectAnalysesByPhase.all(filter.phase) : selectAllAnalyses.all();
        return rows.map(toRecord);
      });
    },

    async listAnalysisSummaries(query) {
      return run(() => summaryPage(query));
    },

    async listEvents(analysisId) {
      return run(() => selectEvents.all(analysisId).map(rowToEvent));
    },

    async pendingCalls() {
      return run(() => selectPendingCalls.all().map(rowToCall));
    },

    async callsFor(analysisId) {
      return run(() => selectCallsFor.all(analysisId).map(rowToCall));
    },

    async pruneEnded(olderThan, options) {
      const cutoff = pruneCutoff(olderThan);
      // LIMIT -1: no limit.
      const limit = pruneLimit(options) ?? -1;
      const ids = write(true, () => pruneTransaction.immediate(cutoff, limit));
      for (const id of ids) rows.forget(id);
      return ids;
    },

    async findByCreationKey(key) {
      return run(() => {
        const row = selectByCreationKey.get(key);
        return row ? toRecord(row) : null;
      });
    },

    async saveFreeze(freeze, event) {
      write(true, () => freezeTransaction.immediate(freeze, event));
    },

    async listFreezes() {
      return run(() => selectFreezes.all().map((row) => JSON.parse(row.body) as FreezeRecord));
    },

    async listControlEvents() {
      return run(() => selectControlEvents.all().map((row) => rowToEvent({ ...row, analysis_id: CONTROL_TRAIL_ID })));
    },

    async listReleases(query) {
      const limit = releaseLimit(query);
      return run(() => listReleases(query, limit));
    },

    async close() {
      routineCommits?.flush();
      await checkpointer?.stop();
      if (db.open) db.close();
    },
  };
}
