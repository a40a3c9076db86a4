// Schema of the PostgreSQL store, as an ordered list of migrations (like the SQLite store's). A
// database remembers the last one applied in schema_version; opening it applies the newer ones in one
// transaction (PostgreSQL's DDL is transactional), under an advisory lock so that replicas starting together migrate once.
// Append new migrations at the end; never edit one that has shipped.
//
// JSON columns are TEXT, not JSONB: the store returns exactly the text it was given (JSONB reorders
// keys and drops duplicates), as SQLite does, so both back ends share the row mapping.

import type pg from 'pg';
import { DomainError } from '../../analysis/errors.js';
import { ENDED_PHASES } from '../../analysis/types.js';

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const ENDED_PHASES_SQL = ENDED_PHASES.map((phase) => `'${phase}'`).join(', ');

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'analyses, hash-chained events, adapter calls, freezes and their trail, leases of replicas',
    sql: `
      CREATE TABLE analyses (
        position     BIGSERIAL PRIMARY KEY,  -- creation order
        id           TEXT    NOT NULL UNIQUE,
        template     TEXT    NOT NULL,
        args         TEXT    NOT NULL,
        mode         TEXT    NOT NULL CHECK (mode IN ('drive', 'observe')),
        adapter      TEXT,
        target       TEXT    NOT NULL,
        phase        TEXT    NOT NULL,       -- copy of state.phase, for filtering
        state        TEXT    NOT NULL,
        judge_memory TEXT    NOT NULL,
        created_at   TEXT    NOT NULL,
        updated_at   TEXT    NOT NULL,
        version      INTEGER NOT NULL,
        control      TEXT    NOT NULL DEFAULT '{}',
        creation_key TEXT
      );
      CREATE INDEX analyses_by_phase ON analyses (phase, position);
      CREATE UNIQUE INDEX analyses_by_creation_key ON analyses (creation_key) WHERE creation_key IS NOT NULL;

      -- The foreign keys are deferred: retention deletes an analysis before its events (see below).
      CREATE TABLE events (
        analysis_id TEXT    NOT NULL REFERENCES analyses (id) DEFERRABLE INITIALLY DEFERRED,
        seq         INTEGER NOT NULL,
        type        TEXT    NOT NULL,
        at          TEXT    NOT NULL,
        payload     TEXT    NOT NULL,
        hash        TEXT    NOT NULL,
        prev_hash   TEXT    NOT NULL,
        PRIMARY KEY (analysis_id, seq)
      );
      -- Append-only for canaryd itself; events are deleted only together with their analysis, so
      -- every trail left in the database is whole and verifies.
      CREATE FUNCTION canaryd_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'UPDATE' THEN RAISE EXCEPTION 'events are append-only'; END IF;
        IF EXISTS (SELECT 1 FROM analyses WHERE id = OLD.analysis_id) THEN
          RAISE EXCEPTION 'events are append-only; they are deleted only with their analysis';
        END IF;
        RETURN OLD;
      END $$;
      CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
        FOR EACH ROW EXECUTE FUNCTION canaryd_events_append_only();

      CREATE TABLE adapter_calls (
        id              SERIAL  PRIMARY KEY,
        analysis_id     TEXT    NOT NULL REFERENCES analyses (id) DEFERRABLE INITIALLY DEFERRED,
        adapter         TEXT    NOT NULL,
        idempotency_key TEXT    NOT NULL,
        request         TEXT    NOT NULL,
        status          TEXT    NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
        attempts        INTEGER NOT NULL DEFAULT 0,
        last_error      TEXT,
        created_at      TEXT    NOT NULL,
        done_at         TEXT
      );
      CREATE UNIQUE INDEX adapter_calls_by_key ON adapter_calls (analysis_id, idempotency_key);
      CREATE INDEX adapter_calls_pending ON adapter_calls (id) WHERE status = 'pending';

      CREATE TABLE freezes (
        position BIGSERIAL PRIMARY KEY,
        id       TEXT NOT NULL UNIQUE,
        body     TEXT NOT NULL
      );
      CREATE TABLE control_events (
        seq       INTEGER PRIMARY KEY,
        type      TEXT NOT NULL,
        at        TEXT NOT NULL,
        payload   TEXT NOT NULL,
        hash      TEXT NOT NULL,
        prev_hash TEXT NOT NULL
      );
      CREATE FUNCTION canaryd_control_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'control events are append-only'; END $$;
      CREATE TRIGGER control_events_append_only BEFORE UPDATE OR DELETE ON control_events
        FOR EACH ROW EXECUTE FUNCTION canaryd_control_append_only();

      -- Active-active replicas: one lease per analysis that has not ended; the token comes from one
      -- sequence, so it only grows, whoever takes the lease over.
      CREATE SEQUENCE lease_tokens;
      CREATE TABLE leases (
        analysis_id TEXT   PRIMARY KEY,
        owner       TEXT   NOT NULL,
        token       BIGINT NOT NULL,
        expires_at  BIGINT NOT NULL          -- epoch ms
      );
      CREATE INDEX leases_by_owner ON leases (owner);
      CREATE TABLE replicas (
        id         TEXT   PRIMARY KEY,
        expires_at BIGINT NOT NULL
      );
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

// Any fixed number: the advisory lock serializing migrations between replicas.
const MIGRATION_LOCK = 7_261_001;

export async function migrate(client: pg.PoolClient, where: string): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
    const found = await client.query<{ version: number }>('SELECT version FROM schema_version');
    if (found.rows.length === 0) await client.query('INSERT INTO schema_version (version) VALUES (0)');
    const current = found.rows[0]?.version ?? 0;
    if (current > SCHEMA_VERSION) {
      throw new DomainError(
        'store-unavailable',
        `PostgreSQL store ${where} has schema version ${current}, newer than this canaryd knows (${SCHEMA_VERSION}); upgrade canaryd`,
      );
    }
    for (const migration of MIGRATIONS) {
      if (migration.version <= current) continue;
      await client.query(migration.sql);
      await client.query('UPDATE schema_version SET version = $1', [migration.version]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
