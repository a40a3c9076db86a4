// WAL checkpoints in a worker thread (src/store/sqlite/checkpointer.ts) against a real SQLite file:
// the writing connection never checkpoints, the worker keeps the WAL from growing, nothing is lost,
// and close() stops the worker before the file is closed.

import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startBackgroundCheckpointer, type CheckpointResult } from '../../src/store/sqlite/checkpointer.js';
import { openDatabase } from '../../src/store/sqlite/open-database.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { FIXED_NOW, makeRecord } from './store-contract.js';

let folder: string;
let path: string;

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'canaryd-checkpoint-'));
  path = join(folder, 'canaryd.db');
});
afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

const walBytes = (): number => statSync(`${path}-wal`, { throwIfNoEntry: false })?.size ?? 0;

/** 100 transactions of ~8 KB each (about 2 WAL pages a row, like a tick's state and event). */
function writeBatch(db: Database.Database, batch: number): void {
  const insert = db.prepare('INSERT INTO t (batch, body) VALUES (?, ?)');
  for (let index = 0; index < 100; index += 1) db.transaction(() => insert.run(batch, 'x'.repeat(8_000)))();
}

describe('background WAL checkpoints', () => {
  it('keep the WAL bounded while the writer never checkpoints, and lose nothing', async () => {
    const db = openDatabase(path);
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, batch INTEGER, body TEXT)');
    const results: CheckpointResult[] = [];
    const checkpointer = startBackgroundCheckpointer(db, path, { everyMs: 20, onCheckpoint: (result) => results.push(result) });
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    let largestWal = 0;
    for (let batch = 0; batch < 40; batch += 1) {
      writeBatch(db, batch);
      largestWal = Math.max(largestWal, walBytes());
      await sleep(30);
    }
    await checkpointer.stop();
    // 40 batches wrote ~32 MB through the WAL; without checkpoints it would hold all of it.
    expect(results.some((result) => result.checkpointed > 0)).toBe(true);
    expect(largestWal).toBeLessThan(8 * 1024 * 1024);
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 4_000 });
    db.close();
    const reopened = new Database(path, { readonly: true });
    expect(reopened.prepare('SELECT count(DISTINCT batch) AS n FROM t').get()).toEqual({ n: 40 });
    reopened.close();
  });

  it('the store with background checkpoints stores and reads back, and closes with its worker stopped', async () => {
    const store = openSqliteStore(path, { now: () => FIXED_NOW, backgroundCheckpoint: true });
    for (let index = 0; index < 50; index += 1) await store.createAnalysis(makeRecord(`a${index}`), [], []);
    await store.close();
    const again = openSqliteStore(path, { now: () => FIXED_NOW, backgroundCheckpoint: true });
    expect((await again.listAnalyses()).map((record) => record.id)).toHaveLength(50);
    await again.close();
    // Both connections are gone: the last close checkpointed and removed the WAL.
    expect(walBytes()).toBe(0);
  });

  it('a worker that cannot open the file switches the automatic checkpoint back on', async () => {
    const db = openDatabase(path);
    const checkpointer = startBackgroundCheckpointer(db, join(folder, 'missing', 'other.db'), { everyMs: 20 });
    for (let attempt = 0; attempt < 100 && db.pragma('wal_autocheckpoint', { simple: true }) === 0; attempt += 1) await sleep(20);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    await checkpointer.stop();
    db.close();
  });
});
