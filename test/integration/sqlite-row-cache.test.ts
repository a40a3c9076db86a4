// The analysis rows the SQLite store keeps between reads (src/store/sqlite/row-cache.ts), on a real
// file: a read after our own write is served without reading the file, a write that rolls back
// leaves nothing behind, and a commit by another connection (another process, the CLI) is seen.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/sqlite/open-database.js';
import { analysisRowCache } from '../../src/store/sqlite/row-cache.js';
import { analysisToRow, INLINE_TEMPLATES, type AnalysisRow } from '../../src/store/sqlite/rows.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { FIXED_NOW, makeRecord, makeState } from './store-contract.js';

let folder: string;
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'canaryd-row-cache-'));
});
afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

const rowOf = (id: string, version: number): AnalysisRow => analysisToRow(makeRecord(id, { version }), INLINE_TEMPLATES);

describe('analysis row cache', () => {
  it('keeps no row of an ended analysis, and at most maxRows rows: the one written or loaded longest ago goes', () => {
    const db = openDatabase(join(folder, 'bounded.db'));
    const cache = analysisRowCache(db, 2);
    const loads: string[] = [];
    const loaded = (row: AnalysisRow) => () => {
      loads.push(row.id);
      return row;
    };
    const ended = { ...rowOf('e', 1), phase: 'succeeded' };
    cache.read('e', loaded(ended));
    cache.read('e', loaded(ended));
    expect(loads).toEqual(['e', 'e']);
    // A running row that ends is dropped by the write that ends it.
    cache.read('r', loaded(rowOf('r', 1)));
    cache.writing(() => cache.stage({ ...rowOf('r', 2), phase: 'aborted' }));
    cache.read('r', loaded(rowOf('r', 2)));
    expect(loads).toEqual(['e', 'e', 'r', 'r']);

    loads.length = 0;
    cache.read('a', loaded(rowOf('a', 1)));
    cache.read('b', loaded(rowOf('b', 1)));
    // A write makes a the youngest, so c pushes out b (loaded before that write), not a.
    cache.writing(() => cache.stage(rowOf('a', 2)));
    cache.read('c', loaded(rowOf('c', 1)));
    expect(cache.read('a', loaded(rowOf('a', 9)))?.version).toBe(2);
    expect(cache.read('c', loaded(rowOf('c', 9)))?.version).toBe(1);
    cache.read('b', loaded(rowOf('b', 1)));
    expect(loads).toEqual(['a', 'b', 'c', 'b']);
    db.close();
  });

  it('loads a row once, keeps what a write committed, and drops what a write that threw staged', () => {
    const db = openDatabase(join(folder, 'cache.db'));
    const cache = analysisRowCache(db);
    const loads: string[] = [];
    const load = (id: string, row: AnalysisRow | undefined) => () => {
      loads.push(id);
      return row;
    };
    expect(cache.read('a', load('a', rowOf('a', 1)))?.version).toBe(1);
    expect(cache.read('a', load('a', rowOf('a', 9)))?.version).toBe(1);
    expect(loads).toEqual(['a']);
    // Not found is not kept: the next read asks again.
    expect(cache.read('b', load('b', undefined))).toBeUndefined();
    expect(cache.read('b', load('b', undefined))).toBeUndefined();
    expect(loads).toEqual(['a', 'b', 'b']);

    cache.writing(() => cache.stage(rowOf('a', 2)));
    expect(cache.read('a', load('a', rowOf('a', 9)))?.version).toBe(2);
    expect(() =>
      cache.writing(() => {
        cache.stage(rowOf('a', 3));
        throw new Error('rolled back');
      }),
    ).toThrow('rolled back');
    expect(cache.read('a', load('a', rowOf('a', 9)))?.version).toBe(2);
    expect(loads).toEqual(['a', 'b', 'b']);

    cache.forget('a');
    expect(cache.read('a', load('a', rowOf('a', 4)))?.version).toBe(4);
    expect(loads).toEqual(['a', 'b', 'b', 'a']);
    db.close();
  });

  it('empties itself when another connection commits to the file', () => {
    const path = join(folder, 'shared.db');
    const db = openDatabase(path);
    const cache = analysisRowCache(db);
    let loads = 0;
    const load = () => {
      loads += 1;
      return rowOf('a', loads);
    };
    cache.read('a', load);
    cache.read('a', load);
    expect(loads).toBe(1);
    const other = new Database(path);
    other.exec('CREATE TABLE IF NOT EXISTS unrelated (x INTEGER)');
    other.prepare('INSERT INTO unrelated (x) VALUES (1)').run();
    expect(cache.read('a', load)?.version).toBe(2);
    // Our own writes do not empty it.
    db.prepare('INSERT INTO unrelated (x) VALUES (2)').run();
    expect(cache.read('a', load)?.version).toBe(2);
    expect(loads).toBe(2);
    other.close();
    db.close();
  });
});

describe('SQLite store with its row cache', () => {
  it('sees a row another connection changed after this store read and wrote it', async () => {
    const path = join(folder, 'store.db');
    const store = openSqliteStore(path, { now: () => FIXED_NOW, commitGroup: { maxBatch: 8, maxDelayMs: 1 } });
    await store.createAnalysis(makeRecord('a1'), [], []);
    await store.commitTransition(makeRecord('a1', { version: 2 }), [], []);
    expect((await store.getAnalysis('a1'))?.version).toBe(2);

    const other = new Database(path);
    const changed = { ...makeState(), stepIndex: 3 };
    other.prepare('UPDATE analyses SET state = ?, version = 3 WHERE id = ?').run(JSON.stringify(changed), 'a1');
    const read = await store.getAnalysis('a1');
    expect(read?.version).toBe(3);
    expect(read?.state.stepIndex).toBe(3);
    // A transition built on the stale version is refused, and the cache serves what is stored.
    await expect(store.commitTransition(makeRecord('a1', { version: 3 }), [], [])).rejects.toMatchObject({ code: 'conflict' });
    expect((await store.getAnalysis('a1'))?.state.stepIndex).toBe(3);
    other.close();
    await store.close();
  });

  it('a read after a tick parses the row the tick wrote: the same record as one read from the file', async () => {
    const path = join(folder, 'same.db');
    const store = openSqliteStore(path, { now: () => FIXED_NOW });
    await store.createAnalysis(makeRecord('a1'), [], []);
    const ticked = makeRecord('a1', { version: 2, state: { ...makeState(), consecutiveErrors: { latency: Number.NaN, errors: 2 } } });
    await store.commitTransition(ticked, [{ type: 'tick', at: '2025-03-01T12:01:00.000Z', payload: { n: 1 } }], []);
    const cached = await store.getAnalysis('a1');
    await store.close();
    const reopened = openSqliteStore(path, { now: () => FIXED_NOW });
    const fromFile = await reopened.getAnalysis('a1');
    expect(cached).toEqual(fromFile);
    // What SQLite keeps of NaN (null), not the value handed to the write.
    expect(cached?.state.consecutiveErrors).toEqual({ latency: null, errors: 2 });
    await reopened.close();
  });
});
