// Store.listReleases on PostgreSQL: the analyses of one target, newest (highest position) first.
// The target filter reads the target column's JSON in SQL; the cursor is an analysis id of that
// target, as on SQLite.

import { releaseLimit, releasePage, unknownCursor } from '../release-checks.js';
import { INLINE_TEMPLATES, rowToAnalysis, type AnalysisRow } from '../sqlite/rows.js';
import type { ReleasePage, ReleaseQuery } from '../types.js';
import type { Connection } from './connection.js';

const TARGET_FILTER = "(target::json ->> 'service') = $1 AND (target::json ->> 'environment') = $2";

export async function releasesPage(db: Connection, query: ReleaseQuery): Promise<ReleasePage> {
  const limit = releaseLimit(query);
  const { service, environment } = query;
  let before: string | null = null;
  if (query.before !== undefined) {
    const cursor = await db.query<{ position: string }>(`SELECT position FROM analyses WHERE ${TARGET_FILTER} AND id = $3`, [
      service,
      environment,
      query.before,
    ]);
    const found = cursor.rows[0];
    if (found === undefined) throw unknownCursor(query);
    before = found.position;
  }
  // One more than the page: whether there is a next one.
  const rows = await db.query<AnalysisRow>(
    `SELECT * FROM analyses WHERE ${TARGET_FILTER} AND ($3::bigint IS NULL OR position < $3) ORDER BY position DESC LIMIT $4`,
    [service, environment, before, limit + 1],
  );
  return releasePage(
    rows.rows.map((row) => rowToAnalysis(row, INLINE_TEMPLATES)),
    limit,
  );
}
