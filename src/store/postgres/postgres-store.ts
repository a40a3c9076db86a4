// The PostgreSQL Store (the `pg` driver): the same contract as the SQLite store, for several
// replicas sharing one database. Each write is one transaction; an analysis' row lock (its UPDATE,
// or SELECT … FOR UPDATE on create) serializes the writers of its event chain, an advisory lock the
// control trail's. With a fence, a write first checks — in the same transaction, holding the lease
// row — that the writer's lease token is still the current one ('lease-lost' otherwise).

import type pg from 'pg';
import { DomainError } from '../../analysis/errors.js';
import type { Phase } from '../../analysis/types.js';
import type { FreezeRecord } from '../../control/types.js';
import { checkCalls } from '../call-checks.js';
import { chainEventRows } from '../event-chain.js';
import { pruneCutoff, pruneLimit } from '../prune-checks.js';
import {
  INLINE_TEMPLATES,
  analysisToRow,
  eventToRow,
  rowToAnalysis,
  rowToCall,
  rowToEvent,
  type AnalysisRow,
  type CallRow,
  type EventRow,
} from '../sqlite/rows.js';
import { CONTROL_TRAIL_ID, type AdapterCallInput, type AnalysisRecord, type EventInput, type Fence, type Store } from '../types.js';
import { isUniqueViolation, openConnection, type PoolOptions } from './connection.js';
import { createLeaseStore } from './leases.js';
import { releasesPage } from './releases.js';
import { summaryPage } from './summaries.js';
import { ENDED_PHASES_SQL } from './schema.js';

export interface PostgresStoreOptions {
  now?: () => number;
  pool?: PoolOptions;
}

const CONTROL_LOCK = 7_261_002;
const ANALYSIS_COLUMNS = [
  'id',
  'template',
  'args',
  'mode',
  'adapter',
  'target',
  'phase',
  'state',
  'judge_memory',
  'created_at',
  'updated_at',
  'version',
  'control',
  'creation_key',
] as const;

function analysisValues(row: AnalysisRow): unknown[] {
  return ANALYSIS_COLUMNS.map((column) => row[column]);
}

function eventValues(row: EventRow): unknown[] {
  return [row.analysis_id, row.seq, row.type, row.at, row.payload, row.hash, row.prev_hash];
}

export async function checkFence(client: pg.PoolClient, analysisId: string, fence: Fence | undefined): Promise<void> {
  if (fence === undefined) return;
  // FOR SHARE: a takeover (which updates the lease row) waits until this transaction ends.
  const lease = await client.query<{ owner: string; token: string }>('SELECT owner, token FROM leases WHERE analysis_id = $1 FOR SHARE', [analysisId]);
  const row = lease.rows[0];
  if (row === undefined || row.owner !== fence.owner || Number(row.token) !== fence.token) {
    const holder = row === undefined ? 'nobody holds it now' : `it is held with token ${row.token}`;
    throw new DomainError('lease-lost', `analysis ${analysisId}: the lease with token ${fence.token} is no longer current (${holder})`);
  }
}

export function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Store {
  const now = options.now ?? Date.now;
  const db = openConnection(url, options.pool);

  async function appendEventsAndCalls(client: pg.PoolClient, record: AnalysisRecord, events: EventInput[], calls: AdapterCallInput[]): Promise<void> {
    const last = await client.query<{ seq: number; hash: string }>('SELECT seq, hash FROM events WHERE analysis_id = $1 ORDER BY seq DESC LIMIT 1', [
      record.id,
    ]);
    for (const event of chainEventRows(record.id, last.rows[0] ?? null, events)) {
      await client.query(
        'INSERT INTO events (analysis_id, seq, type, at, payload, hash, prev_hash) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        eventValues(eventToRow(event)),
      );
    }
    for (const call of calls) {
      // ON CONFLICT on the key index only: a call already recorded for this decision stands.
      await client.query(
        `INSERT INTO adapter_calls (analysis_id, adapter, idempotency_key, request, status, created_at)
         VALUES ($1, $2, $3, $4, 'pending', $5) ON CONFLICT (analysis_id, idempotency_key) DO NOTHING`,
        [record.id, call.adapter, call.idempotencyKey, JSON.stringify(call.request), record.updatedAt],
      );
    }
  }

  async function selectAnalysis(client: pg.PoolClient, id: string): Promise<AnalysisRow | undefined> {
    return (await client.query<AnalysisRow>('SELECT * FROM analyses WHERE id = $1', [id])).rows[0];
  }

  const placeholders = ANALYSIS_COLUMNS.map((_, index) => `$${index + 1}`).join(', ');
  const assignments = ANALYSIS_COLUMNS.slice(1, -1)
    .map((column, index) => `${column} = $${index + 2}`)
    .join(', ');

  return {
    async createAnalysis(record, events, calls) {
      checkCalls(record.id, calls);
      await db.transaction(async (client) => {
        if (await selectAnalysis(client, record.id)) throw new DomainError('conflict', `analysis ${record.id} already exists`);
        if (record.creationKey != null) {
          const same = await client.query('SELECT 1 FROM analyses WHERE creation_key = $1', [record.creationKey]);
          if (same.rows.length > 0) throw new DomainError('conflict', `an analysis with creation key ${record.creationKey} already exists`);
        }
        try {
          await client.query(
            `INSERT INTO analyses (${ANALYSIS_COLUMNS.join(', ')}) VALUES (${placeholders})`,
            analysisValues(analysisToRow(record, INLINE_TEMPLATES)),
          );
        } catch (error) {
          // Two replicas creating the same analysis (or creation key) at once: the second is a conflict.
          if (isUniqueViolation(error)) throw new DomainError('conflict', `analysis ${record.id} (or its creation key) already exists`);
          throw error;
        }
        await appendEventsAndCalls(client, record, events, calls);
      });
    },

    async commitTransition(record, events, calls, options) {
      checkCalls(record.id, calls);
      await db.transaction(async (client) => {
        await checkFence(client, record.id, options?.fence);
        const values = analysisValues(analysisToRow(record, INLINE_TEMPLATES)).slice(0, -1);
        const updated = await client.query(`UPDATE analyses SET ${assignments} WHERE id = $1 AND version = $14`, [...values, record.version - 1]);
        if (updated.rowCount === 0) {
          const stored = await selectAnalysis(client, record.id);
          if (!stored) throw new DomainError('not-found', `analysis ${record.id} does not exist`);
          throw new DomainError('conflict', `analysis ${record.id} is at version ${stored.version}; a transition to version ${record.version} is stale`);
        }
        await appendEventsAndCalls(client, record, events, calls);
        for (const id of options?.retryCalls ?? []) {
          const rearmed = await client.query(
            "UPDATE adapter_calls SET status = 'pending', done_at = NULL WHERE id = $1 AND analysis_id = $2 AND status = 'failed'",
            [id, record.id],
          );
          if (rearmed.rowCount === 0) throw new DomainError('conflict', `adapter call ${id} of analysis ${record.id} is not a failed call`);
        }
      });
    },

    async markCallDone(callId, outcome, options) {
      await db.transaction(async (client) => {
        const call = (await client.query<CallRow>('SELECT * FROM adapter_calls WHERE id = $1 FOR UPDATE', [callId])).rows[0];
        if (!call) throw new DomainError('not-found', `adapter call ${callId} does not exist`);
        await checkFence(client, call.analysis_id, options?.fence);
        if (call.status !== 'pending') throw new DomainError('conflict', `adapter call ${callId} is already ${call.status}`);
        await client.query('UPDATE adapter_calls SET status = $2, attempts = $3, last_error = $4, done_at = $5 WHERE id = $1', [
          callId,
          outcome.ok ? 'done' : 'failed',
          outcome.attempts,
          outcome.ok ? null : outcome.error,
          new Date(now()).toISOString(),
        ]);
      });
    },

    async getAnalysis(id) {
      const row = (await db.query<AnalysisRow>('SELECT * FROM analyses WHERE id = $1', [id])).rows[0];
      return row ? rowToAnalysis(row, INLINE_TEMPLATES) : null;
    },

    async listAnalyses(filter?: { phase?: Phase }) {
      const result = filter?.phase
        ? await db.query<AnalysisRow>('SELECT * FROM analyses WHERE phase = $1 ORDER BY position', [filter.phase])
        : await db.query<AnalysisRow>('SELECT * FROM analyses ORDER BY position');
      return result.rows.map((row) => rowToAnalysis(row, INLINE_TEMPLATES));
    },

    async listEvents(analysisId) {
      return (await db.query<EventRow>('SELECT * FROM events WHERE analysis_id = $1 ORDER BY seq', [analysisId])).rows.map(rowToEvent);
    },

    async pendingCalls() {
      return (await db.query<CallRow>("SELECT * FROM adapter_calls WHERE status = 'pending' ORDER BY id")).rows.map(rowToCall);
    },

    async callsFor(analysisId) {
      return (await db.query<CallRow>('SELECT * FROM adapter_calls WHERE analysis_id = $1 ORDER BY id', [analysisId])).rows.map(rowToCall);
    },

    async pruneEnded(olderThan, options) {
      const cutoff = pruneCutoff(olderThan);
      const limit = pruneLimit(options) ?? null;
      return db.transaction(async (client) => {
        const prunable = await client.query<{ id: string }>(
          `SELECT id FROM analyses
           WHERE phase IN (${ENDED_PHASES_SQL}) AND updated_at < $1
             AND NOT EXISTS (SELECT 1 FROM adapter_calls WHERE analysis_id = analyses.id AND status = 'pending')
           ORDER BY position LIMIT $2 FOR UPDATE`,
          [cutoff, limit],
        );
        const ids = prunable.rows.map((row) => row.id);
        if (ids.length === 0) return ids;
        // The analysis first: the events trigger lets events go only once their analysis is gone.
        await client.query('DELETE FROM analyses WHERE id = ANY($1)', [ids]);
        await client.query('DELETE FROM events WHERE analysis_id = ANY($1)', [ids]);
        await client.query('DELETE FROM adapter_calls WHERE analysis_id = ANY($1)', [ids]);
        await client.query('DELETE FROM leases WHERE analysis_id = ANY($1)', [ids]);
        return ids;
      });
    },

    async findByCreationKey(key) {
      const row = (await db.query<AnalysisRow>('SELECT * FROM analyses WHERE creation_key = $1', [key])).rows[0];
      return row ? rowToAnalysis(row, INLINE_TEMPLATES) : null;
    },

    async saveFreeze(freeze, event) {
      await db.transaction(async (client) => {
        await client.query('SELECT pg_advisory_xact_lock($1)', [CONTROL_LOCK]);
        const last = await client.query<{ seq: number; hash: string }>('SELECT seq, hash FROM control_events ORDER BY seq DESC LIMIT 1');
        const [chained] = chainEventRows(CONTROL_TRAIL_ID, last.rows[0] ?? null, [event]);
        await client.query('INSERT INTO freezes (id, body) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET body = excluded.body', [
          freeze.id,
          JSON.stringify(freeze),
        ]);
        if (chained !== undefined) {
          const row = eventToRow(chained);
          await client.query('INSERT INTO control_events (seq, type, at, payload, hash, prev_hash) VALUES ($1, $2, $3, $4, $5, $6)', eventValues(row).slice(1));
        }
      });
    },

    async listFreezes() {
      return (await db.query<{ body: string }>('SELECT body FROM freezes ORDER BY position')).rows.map((row) => JSON.parse(row.body) as FreezeRecord);
    },

    async listControlEvents() {
      const rows = (await db.query<Omit<EventRow, 'analysis_id'>>('SELECT * FROM control_events ORDER BY seq')).rows;
      return rows.map((row) => rowToEvent({ ...row, analysis_id: CONTROL_TRAIL_ID }));
    },

    listReleases: (query) => releasesPage(db, query),

    listAnalysisSummaries: (query) => summaryPage(db, query),

    close: () => db.close(),

    leases: createLeaseStore(db),
  };
}
