// Analysis rows written straight into a SQLite file, as an older schema left them (migration tests).

import type Database from 'better-sqlite3';
import type { AnalysisRecord } from '../../src/store/types.js';

/** Inserts the record's row; `control` (the column of schema 3 on) only when given. */
export function insertRawAnalysisRow(db: Database.Database, record: AnalysisRecord, control?: Record<string, unknown>): void {
  const columns = ['id', 'template', 'args', 'mode', 'adapter', 'target', 'phase', 'state', 'judge_memory', 'created_at', 'updated_at', 'version'];
  const values: unknown[] = [
    record.id,
    record.template,
    JSON.stringify(record.args),
    record.mode,
    record.adapter,
    JSON.stringify(record.target),
    record.state.phase,
    JSON.stringify(record.state),
    '{}',
    record.createdAt,
    record.updatedAt,
    record.version,
  ];
  if (control !== undefined) {
    columns.push('control');
    values.push(JSON.stringify(control));
  }
  db.prepare(`INSERT INTO analyses (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`).run(...values);
}
