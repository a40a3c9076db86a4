// Leases of analyses among replicas (see LeaseStore in ../types.ts). One heartbeat transaction per
// replica every few seconds: its own liveness, renewals, and claims up to its fair share, so that
// analyses spread over the live replicas and those of a dead replica are taken over once its leases
// expire. Concurrent claims of one analysis are settled by the lease row's primary key: the insert
// that loses the race finds an unexpired lease and claims nothing.

import type { LeaseGrant, LeaseHeartbeat, LeaseStore } from '../types.js';
import type { Connection } from './connection.js';
import { ENDED_PHASES_SQL } from './schema.js';

interface GrantRow {
  analysis_id: string;
  token: string;
}

function grants(rows: readonly GrantRow[]): LeaseGrant[] {
  return rows.map((row) => ({ analysisId: row.analysis_id, token: Number(row.token) }));
}

// An analysis needs a holder while it runs, and after it ended until its last calls are made (the
// complete or rollback its decision recorded): a replica killed right after the decision leaves them
// to the next holder.
const NEEDS_HOLDER = `(a.phase NOT IN (${ENDED_PHASES_SQL})
  OR EXISTS (SELECT 1 FROM adapter_calls c WHERE c.analysis_id = a.id AND c.status = 'pending'))`;

export function createLeaseStore(db: Connection): LeaseStore {
  return {
    async heartbeat(owner, now, ttlMs): Promise<LeaseHeartbeat> {
      const expiresAt = now + ttlMs;
      return db.transaction(async (client) => {
        await client.query('INSERT INTO replicas (id, expires_at) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at', [
          owner,
          expiresAt,
        ]);
        await client.query('DELETE FROM replicas WHERE expires_at <= $1', [now]);
        // Ours, or expired ones (a dead replica's), of analyses that need no holder any more.
        await client.query(
          `DELETE FROM leases l USING analyses a WHERE a.id = l.analysis_id AND (l.owner = $1 OR l.expires_at <= $2) AND NOT ${NEEDS_HOLDER}`,
          [owner, now],
        );
        // A lease of ours that expired but nobody took keeps its token: no other writer existed.
        const renewed = await client.query<GrantRow>('UPDATE leases SET expires_at = $2 WHERE owner = $1 RETURNING analysis_id, token', [owner, expiresAt]);
        const counts = await client.query<{ active: string; live: string }>(
          `SELECT (SELECT count(*) FROM analyses a WHERE ${NEEDS_HOLDER}) AS active,
                  (SELECT count(*) FROM replicas WHERE expires_at > $1) AS live`,
          [now],
        );
        const active = Number(counts.rows[0]?.active ?? 0);
        const live = Math.max(1, Number(counts.rows[0]?.live ?? 1));
        const share = Math.ceil(active / live);
        const wanted = share - renewed.rows.length;
        if (wanted <= 0) return { grants: grants(renewed.rows), share };
        const claimed = await client.query<GrantRow>(
          `INSERT INTO leases (analysis_id, owner, token, expires_at)
           SELECT a.id, $1, nextval('lease_tokens'), $3
           FROM analyses a LEFT JOIN leases l ON l.analysis_id = a.id
           WHERE ${NEEDS_HOLDER} AND (l.analysis_id IS NULL OR l.expires_at <= $2)
           ORDER BY a.position LIMIT $4
           ON CONFLICT (analysis_id) DO UPDATE SET owner = excluded.owner, token = excluded.token, expires_at = excluded.expires_at
             WHERE leases.expires_at <= $2
           RETURNING analysis_id, token`,
          [owner, now, expiresAt, wanted],
        );
        return { grants: grants([...renewed.rows, ...claimed.rows]), share };
      });
    },

    async handBack(owner, given) {
      if (given.length === 0) return;
      await db.query('DELETE FROM leases WHERE owner = $1 AND (analysis_id, token) IN (SELECT * FROM unnest($2::text[], $3::bigint[]))', [
        owner,
        given.map((grant) => grant.analysisId),
        given.map((grant) => grant.token),
      ]);
    },

    async release(owner) {
      await db.transaction(async (client) => {
        await client.query('DELETE FROM leases WHERE owner = $1', [owner]);
        await client.query('DELETE FROM replicas WHERE id = $1', [owner]);
      });
    },
  };
}
