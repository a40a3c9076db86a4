// Store.listAnalysisSummaries on PostgreSQL: one page in creation order, filtered in SQL (the
// target column's JSON read by PostgreSQL); the cursor is this store's opaque creation position.

import { INLINE_TEMPLATES, rowToAnalysis, type AnalysisRow } from '../sqlite/rows.js';
import { decodeCursor, encodeCursor, pageLimit, summarize, type AnalysisListQuery, type AnalysisPage } from '../summary.js';
import type { Connection } from './connection.js';

const CURSOR_PREFIX = 'p:';

type PositionedRow = AnalysisRow & { position: string };

export async function summaryPage(db: Connection, query: AnalysisListQuery): Promise<AnalysisPage> {
  const limit = pageLimit(query.limit);
  const after = query.cursor === undefined ? 0 : decodeCursor(CURSOR_PREFIX, query.cursor);
  const rows = (
    await db.query<PositionedRow>(
      `SELECT * FROM analyses
       WHERE position > $1
         AND ($2::text IS NULL OR phase = $2)
         AND ($3::text IS NULL OR template = $3)
         AND ($4::text IS NULL OR (target::json ->> 'service') = $4)
         AND ($5::text IS NULL OR (target::json ->> 'environment') = $5)
         AND ($6::text IS NULL OR (target::json ->> 'version') = $6)
       ORDER BY position LIMIT $7`,
      [after, query.phase ?? null, query.template ?? null, query.service ?? null, query.environment ?? null, query.version ?? null, limit + 1],
    )
  ).rows;
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    analyses: page.map((row) => summarize(rowToAnalysis(row, INLINE_TEMPLATES))),
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(CURSOR_PREFIX, Number(last.position)) : null,
  };
}
