// Store.listReleases on SQLite: the analyses of one target, newest (highest position) first. The
// cursor is an analysis id of that target; its position bounds the next page.

import type BetterSqlite3 from 'better-sqlite3';
import { releasePage, unknownCursor } from '../release-checks.js';
import type { ReleasePage, ReleaseQuery } from '../types.js';
import type { PinnedTemplates } from './pinned-templates.js';
import { rowToAnalysis, type AnalysisRow } from './rows.js';

const TARGET_FILTER = "json_extract(target, '$.service') = @service AND json_extract(target, '$.environment') = @environment";

export function prepareReleaseQuery(db: BetterSqlite3.Database, pins: PinnedTemplates): (query: ReleaseQuery, limit: number) => ReleasePage {
  const selectReleases = db.prepare<[{ service: string; environment: string; before: number; limit: number }], AnalysisRow>(
    `SELECT * FROM analyses WHERE ${TARGET_FILTER} AND position < @before ORDER BY position DESC LIMIT @limit`,
  );
  const selectCursor = db.prepare<[{ service: string; environment: string; id: string }], { position: number }>(
    `SELECT position FROM analyses WHERE ${TARGET_FILTER} AND id = @id`,
  );
  return (query, limit) => {
    const { service, environment } = query;
    let before = Number.MAX_SAFE_INTEGER;
    if (query.before !== undefined) {
      const cursor = selectCursor.get({ service, environment, id: query.before });
      if (!cursor) throw unknownCursor(query);
      before = cursor.position;
    }
    // One more than the page: whether there is a next one.
    const rows = selectReleases.all({ service, environment, before, limit: limit + 1 });
    return releasePage(
      rows.map((row) => rowToAnalysis(row, pins)),
      limit,
    );
  };
}
