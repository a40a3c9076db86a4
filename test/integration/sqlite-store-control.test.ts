// The control-boundary part of the Store contract on both backends, and migration 3 on a real file
// written by the previous schema.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../src/store/memory.js';
import { SCHEMA_VERSION } from '../../src/store/sqlite/schema.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/types.js';
import { createSchemaAt, insertRawAnalysisRow } from './sqlite-raw-rows.js';
import { FIXED_NOW, makeRecord } from './store-contract.js';
import { runStoreControlContract } from './store-control-contract.js';

let folder: string;
const opened: Store[] = [];

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'canaryd-store-control-'));
});
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
  rmSync(folder, { recursive: true, force: true });
});

function openAt(path: string): Store {
  const store = openSqliteStore(path, { now: () => FIXED_NOW });
  opened.push(store);
  return store;
}

runStoreControlContract('memory', () => createMemoryStore({ now: () => FIXED_NOW }));
runStoreControlContract('sqlite', () => openAt(join(folder, 'contract.db')));

describe('SQLite migration 3', () => {
  it('opens a file of schema 2: its analyses read back as before, without a pinned template', async () => {
    const path = join(folder, 'v2.db');
    const db = new Database(path);
    createSchemaAt(db, 2);
    const record = makeRecord('old');
    insertRawAnalysisRow(db, record);
    db.close();

    const store = openAt(path);
    expect(SCHEMA_VERSION).toBe(4);
    expect(await store.getAnalysis('old')).toEqual(record);
    expect(await store.listFreezes()).toEqual([]);
  });
});
