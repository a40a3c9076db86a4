// Retention on a real SQLite file: rows go, freed pages are reused, events stay append-only, a
// failed prune leaves everything, and a database made before retention existed is migrated.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/store/sqlite/schema.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { verifyEventChain, type Store } from '../../src/store/types.js';
import { createSchemaAt } from './sqlite-raw-rows.js';
import { FIXED_NOW, makeCall, makeRecord, makeState } from './store-contract.js';

const CUTOFF = '2025-03-02T00:00:00.000Z';
const ENDED_AT = '2025-03-01T13:00:00.000Z';

let folder: string;
let path: string;
const opened: Store[] = [];

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'canaryd-retention-'));
  path = join(folder, 'canaryd.db');
});
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
  rmSync(folder, { recursive: true, force: true });
});

function open(): Store {
  const store = openSqliteStore(path, { now: () => FIXED_NOW });
  opened.push(store);
  return store;
}

/** Like the daemon's tick events: a few KB of verdict each. */
function ticks(count: number) {
  return Array.from({ length: count }, (_, i) => ({ type: 'tick', at: ENDED_AT, payload: { i, verdict: 'v'.repeat(3_000) } }));
}

async function seedEnded(store: Store, id: string, events = 20): Promise<void> {
  await store.createAnalysis(makeRecord(id), ticks(events), [makeCall(id, 0, 'set-weight')]);
  const [call] = await store.callsFor(id);
  if (call) await store.markCallDone(call.id, { ok: true, attempts: 1 });
  await store.commitTransition(makeRecord(id, { version: 2, updatedAt: ENDED_AT, state: makeState('succeeded', 4) }), [], []);
}

function withRaw<T>(use: (raw: Database.Database) => T): T {
  const raw = new Database(path);
  try {
    raw.pragma('foreign_keys = ON');
    return use(raw);
  } finally {
    raw.close();
  }
}

function rowCounts(): { analyses: number; events: number; calls: number } {
  return withRaw((raw) => ({
    analyses: (raw.prepare('SELECT count(*) AS n FROM analyses').get() as { n: number }).n,
    events: (raw.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n,
    calls: (raw.prepare('SELECT count(*) AS n FROM adapter_calls').get() as { n: number }).n,
  }));
}

function pageCount(): number {
  return withRaw((raw) => raw.pragma('page_count', { simple: true }) as number);
}

describe('SQLite store retention', () => {
  it('deletes the rows without VACUUM, and the freed pages are reused instead of growing the file', async () => {
    const store = open();
    for (let i = 0; i < 10; i += 1) await seedEnded(store, `first-${i}`);
    await store.createAnalysis(makeRecord('live'), ticks(2), []);
    expect(rowCounts()).toEqual({ analyses: 11, events: 202, calls: 10 });
    const pagesBefore = pageCount();

    expect(await store.pruneEnded(CUTOFF)).toHaveLength(10);
    expect(rowCounts()).toEqual({ analyses: 1, events: 2, calls: 0 });
    expect(withRaw((raw) => raw.pragma('freelist_count', { simple: true }) as number)).toBeGreaterThan(0);

    // As many ended analyses again fit in the freed pages: the file does not grow (it would ~double).
    for (let i = 0; i < 10; i += 1) await seedEnded(store, `second-${i}`);
    expect(pageCount()).toBeLessThanOrEqual(pagesBefore + 2);
    expect(verifyEventChain(await store.listEvents('live'))).toEqual({ ok: true });
  });

  it('events stay append-only: no UPDATE, no DELETE of an event whose analysis is there, no analysis row deleted alone', async () => {
    const store = open();
    await seedEnded(store, 'kept');
    await store.close();
    withRaw((raw) => {
      expect(() => raw.prepare("UPDATE events SET type = 'forged' WHERE analysis_id = 'kept' AND seq = 2").run()).toThrow(/append-only/);
      expect(() => raw.prepare("DELETE FROM events WHERE analysis_id = 'kept' AND seq = 20").run()).toThrow(/append-only/);
      expect(() => raw.prepare("DELETE FROM events WHERE analysis_id = 'kept'").run()).toThrow(/append-only/);
      expect(() => raw.prepare("DELETE FROM analyses WHERE id = 'kept'").run()).toThrow(/FOREIGN KEY/);
    });
    expect(rowCounts()).toEqual({ analyses: 1, events: 20, calls: 1 });
    expect(verifyEventChain(await open().listEvents('kept'))).toEqual({ ok: true });
  });

  it('a prune that fails half-way deletes nothing', async () => {
    const store = open();
    await seedEnded(store, 'a1');
    await seedEnded(store, 'a2');
    withRaw((raw) =>
      raw.exec("CREATE TRIGGER refuse_call_delete BEFORE DELETE ON adapter_calls WHEN OLD.analysis_id = 'a2' BEGIN SELECT RAISE(ABORT, 'disk says no'); END"),
    );

    const failure = store.pruneEnded(CUTOFF);
    await expect(failure).rejects.toMatchObject({ code: 'store-unavailable' });
    await expect(failure).rejects.toThrow(/disk says no/);
    expect(rowCounts()).toEqual({ analyses: 2, events: 40, calls: 2 });
    for (const id of ['a1', 'a2']) {
      expect(await store.getAnalysis(id)).not.toBeNull();
      expect(verifyEventChain(await store.listEvents(id))).toEqual({ ok: true });
    }
    // Foreign keys are enforced again after the failed transaction.
    withRaw((raw) => expect(() => raw.prepare("DELETE FROM analyses WHERE id = 'a1'").run()).toThrow(/FOREIGN KEY/));
  });

  it('migrates a database made before retention and prunes its old analyses', async () => {
    withRaw((raw) => {
      createSchemaAt(raw, 1);
      raw
        .prepare(
          `INSERT INTO analyses (id, template, args, mode, adapter, target, phase, state, judge_memory, created_at, updated_at, version)
         VALUES ('legacy', 't', '{}', 'observe', NULL, '{}', 'aborted', ?, '{}', ?, ?, 2)`,
        )
        .run(JSON.stringify(makeState('aborted')), ENDED_AT, ENDED_AT);
      raw.prepare(`INSERT INTO events (analysis_id, seq, type, at, payload, hash, prev_hash) VALUES ('legacy', 1, 'created', ?, '{}', 'h', 'p')`).run(ENDED_AT);
      // The version-1 trigger refused every delete.
      expect(() => raw.prepare('DELETE FROM events').run()).toThrow(/append-only/);
    });

    const store = open();
    expect(await store.pruneEnded(CUTOFF)).toEqual(['legacy']);
    expect(rowCounts()).toEqual({ analyses: 0, events: 0, calls: 0 });
    expect(withRaw((raw) => raw.prepare('SELECT version FROM schema_version').get())).toEqual({ version: MIGRATIONS.length });
  });
});
