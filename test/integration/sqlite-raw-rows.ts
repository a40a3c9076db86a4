// A SQLite file as an older schema left it, and analysis rows written straight into it (migration tests).

import type Database from 'better-sqlite3';
import { MIGRATIONS } from '../../src/store/sqlite/schema.js';
import type { AnalysisRecord } from '../../src/store/types.js';

/** The tables of migrations 1..`version`, and schema_version saying so: what that schema's daemon left. */
export function createSchemaAt(db: Database.Database, version: number): void {
  db.exec(`CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version (version) VALUES (${version});`);
  for (const migration of MIGRATIONS.filter((m) => m.version <= version)) db.exec(migration.sql);
}

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
