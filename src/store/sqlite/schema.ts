// Schema of the SQLite store, as an ordered list of migrations. A database remembers the last one
// applied in schema_version; opening it applies the newer ones, each in its own transaction.
// Append new migrations at the end; never edit one that has shipped.

import type BetterSqlite3 from 'better-sqlite3';
import { DomainError } from '../../analysis/errors.js';

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'analyses, hash-chained events, adapter calls',
    sql: `
      CREATE TABLE analyses (
        position     INTEGER PRIMARY KEY,  -- creation order, stable across VACUUM
        id           TEXT    NOT NULL UNIQUE,
        template     TEXT    NOT NULL,
        args         TEXT    NOT NULL CHECK (json_valid(args)),
        mode         TEXT    NOT NULL CHECK (mode IN ('drive', 'observe')),
        adapter      TEXT,
        target       TEXT    NOT NULL CHECK (json_valid(target)),
        phase        TEXT    NOT NULL,     -- copy of state.phase, for filtering
        state        TEXT    NOT NULL CHECK (json_valid(state)),
        judge_memory TEXT    NOT NULL CHECK (json_valid(judge_memory)),
        created_at   TEXT    NOT NULL,
        updated_at   TEXT    NOT NULL,
        version      INTEGER NOT NULL
      );
      CREATE INDEX analyses_by_phase ON analyses (phase);

      CREATE TABLE events (
        analysis_id TEXT    NOT NULL REFERENCES analyses (id),
        seq         INTEGER NOT NULL,
        type        TEXT    NOT NULL,
        at          TEXT    NOT NULL,
        payload     TEXT    NOT NULL CHECK (json_valid(payload)),
        hash        TEXT    NOT NULL,
        prev_hash   TEXT    NOT NULL,
        PRIMARY KEY (analysis_id, seq)
      ) WITHOUT ROWID;
      -- Append-only for canaryd itself; someone with the file can drop these, which is why the
      -- trail is also hash-chained.
      CREATE TRIGGER events_no_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
      CREATE TRIGGER events_no_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

      CREATE TABLE adapter_calls (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        analysis_id     TEXT    NOT NULL REFERENCES analyses (id),
        adapter         TEXT    NOT NULL,
        idempotency_key TEXT    NOT NULL,
        request         TEXT    NOT NULL CHECK (json_valid(request)),
        status          TEXT    NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
        attempts        INTEGER NOT NULL DEFAULT 0,
        last_error      TEXT,
        created_at      TEXT    NOT NULL,
        done_at         TEXT
      );
      CREATE UNIQUE INDEX adapter_calls_by_key ON adapter_calls (analysis_id, idempotency_key);
      CREATE INDEX adapter_calls_by_status ON adapter_calls (status, id);
    `,
  },
  {
    version: 2,
    description: 'events can be deleted only together with their analysis (retention)',
    // The one way to delete events: in one transaction with PRAGMA defer_foreign_keys = ON, delete
    // the analysis row first, then its events and calls (what pruneEnded does). A single event of
    // an analysis that still exists stays undeletable, and UPDATE stays refused, so every trail
    // left in the file is still whole and verifies.
    sql: `
      DROP TRIGGER events_no_delete;
      CREATE TRIGGER events_no_delete BEFORE DELETE ON events
        WHEN EXISTS (SELECT 1 FROM analyses WHERE id = OLD.analysis_id)
        BEGIN SELECT RAISE(ABORT, 'events are append-only; they are deleted only with their analysis'); END;
    `,
  },
  {
    version: 3,
    description: 'control boundary: creator, creation key, pinned template, approvals; freezes and their trail',
    sql: `
      ALTER TABLE analyses ADD COLUMN control TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(control));
      ALTER TABLE analyses ADD COLUMN creation_key TEXT;
      CREATE UNIQUE INDEX analyses_by_creation_key ON analyses (creation_key) WHERE creation_key IS NOT NULL;

      CREATE TABLE freezes (
        position INTEGER PRIMARY KEY,
        id       TEXT NOT NULL UNIQUE,
        body     TEXT NOT NULL CHECK (json_valid(body))
      );
      CREATE TABLE control_events (
        seq       INTEGER PRIMARY KEY,
        type      TEXT NOT NULL,
        at        TEXT NOT NULL,
        payload   TEXT NOT NULL CHECK (json_valid(payload)),
        hash      TEXT NOT NULL,
        prev_hash TEXT NOT NULL
      );
      CREATE TRIGGER control_events_no_update BEFORE UPDATE ON control_events
        BEGIN SELECT RAISE(ABORT, 'control events are append-only'); END;
      CREATE TRIGGER control_events_no_delete BEFORE DELETE ON control_events
        BEGIN SELECT RAISE(ABORT, 'control events are append-only'); END;
    `,
  },
  {
    version: 4,
    description: 'pinned templates stored once per distinct template (pinned-templates.ts), not in every analysis row',
    sql: `
      CREATE TABLE pinned_templates (
        key  TEXT PRIMARY KEY,
        spec TEXT NOT NULL CHECK (json_valid(spec))
      );
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

export function migrate(db: BetterSqlite3.Database, path: string): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  const readVersion = db.prepare<[], { version: number }>('SELECT version FROM schema_version');
  // IMMEDIATE: two processes opening a fresh file at once must not both run migration 1.
  db.transaction(() => {
    if (!readVersion.get()) db.prepare('INSERT INTO schema_version (version) VALUES (0)').run();
  }).immediate();

  const current = readVersion.get()?.version ?? 0;
  if (current > SCHEMA_VERSION) {
    throw new DomainError(
      'store-unavailable',
      `SQLite store ${path} has schema version ${current}, newer than this canaryd knows (${SCHEMA_VERSION}); upgrade canaryd`,
    );
  }
  const setVersion = db.prepare('UPDATE schema_version SET version = ?');
  for (const migration of MIGRATIONS) {
    db.transaction(() => {
      // Re-read inside the lock: another process may have applied it meanwhile.
      if ((readVersion.get()?.version ?? 0) >= migration.version) return;
      db.exec(migration.sql);
      setVersion.run(migration.version);
    }).immediate();
  }
}
