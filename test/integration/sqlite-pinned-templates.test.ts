// SQLite schema 4: a pinned template is stored once per distinct template, not in every analysis row;
// rows written by schema 3 (template inline) are read as they are and move to a key when next written.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/types.js';
import { makeTemplate, step } from '../unit/analysis/fixtures.js';
import { createSchemaAt, insertRawAnalysisRow } from './sqlite-raw-rows.js';
import { FIXED_NOW, makeRecord, makeState } from './store-contract.js';

let folder: string;
let path: string;
const opened: Store[] = [];

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'canaryd-pinned-'));
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

function raw<T>(read: (db: Database.Database) => T): T {
  const db = new Database(path, { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

const controls = (): Array<Record<string, unknown>> =>
  raw((db) => (db.prepare('SELECT control FROM analyses ORDER BY position').all() as Array<{ control: string }>).map((row) => JSON.parse(row.control)));
const pinnedCount = (): number => raw((db) => (db.prepare('SELECT count(*) AS n FROM pinned_templates').get() as { n: number }).n);

describe('SQLite pinned templates (schema 4)', () => {
  it('stores each distinct template once; rows name it by key and read it back equal, shared and frozen', async () => {
    const store = open();
    const tenAndAll = makeTemplate({ steps: [step(10), step(100)] });
    const fiftyAndAll = makeTemplate({ steps: [step(50), step(100)] });
    const records = [
      makeRecord('a1', { templateSpec: tenAndAll }),
      makeRecord('a2', { templateSpec: tenAndAll }),
      makeRecord('a3', { templateSpec: structuredClone(tenAndAll) }),
      makeRecord('a4', { templateSpec: fiftyAndAll }),
    ];
    for (const record of records) await store.createAnalysis(record, [], []);

    expect(pinnedCount()).toBe(2);
    for (const control of controls()) {
      expect(control.templateSpec).toBeUndefined();
      expect(control.templateKey).toMatch(/^[0-9a-f]{64}$/);
    }
    const [first, second, third, fourth] = await store.listAnalyses();
    expect([first, second, third, fourth]).toEqual(records);
    expect(second?.templateSpec).toBe(first?.templateSpec);
    expect(third?.templateSpec).toBe(first?.templateSpec);
    expect(fourth?.templateSpec).not.toBe(first?.templateSpec);
    const shared = first?.templateSpec;
    expect(() => {
      if (shared !== undefined) (shared.steps as Array<{ weight: number }>)[0] = { weight: 99 };
    }).toThrow(TypeError);

    const page = await store.listAnalysisSummaries({ limit: 100 });
    expect(page.analyses.map((summary) => summary.pinnedStepWeights)).toEqual([
      [10, 100],
      [10, 100],
      [10, 100],
      [50, 100],
    ]);
  });

  it('a tick writes the row without the template and keeps the pinned one', async () => {
    const store = open();
    const record = makeRecord('a1', { templateSpec: makeTemplate({ steps: [step(10), step(100)] }) });
    await store.createAnalysis(record, [], []);
    const read = await store.getAnalysis('a1');
    if (read === null) throw new Error('a1 not stored');
    const ticked = { ...read, state: makeState('running', 1), version: read.version + 1 };
    await store.commitTransition(ticked, [], []);
    expect(await store.getAnalysis('a1')).toEqual({ ...record, state: makeState('running', 1), version: record.version + 1 });
    expect(pinnedCount()).toBe(1);
  });

  it('a template first pinned by a transaction that rolls back is stored by the next one that commits', async () => {
    const store = open();
    const record = makeRecord('a1', { templateSpec: makeTemplate({ steps: [step(10), step(100)] }) });
    await store.createAnalysis(record, [], []);
    const other = makeTemplate({ steps: [step(30), step(100)] });
    const stale = { ...record, templateSpec: other, version: record.version + 5 };
    await expect(store.commitTransition(stale, [], [])).rejects.toMatchObject({ code: 'conflict' });
    expect(pinnedCount()).toBe(1);
    await store.commitTransition({ ...record, templateSpec: other, version: record.version + 1 }, [], []);
    expect(pinnedCount()).toBe(2);
    expect((await store.getAnalysis('a1'))?.templateSpec).toEqual(other);
  });

  it('reads a schema 3 row with its template inline, and moves it to a key on the next write', async () => {
    const template = makeTemplate({ steps: [step(25), step(100)] });
    const record = makeRecord('old', { templateSpec: template, templateHash: 'h'.repeat(64) });
    const db = new Database(path);
    createSchemaAt(db, 3);
    insertRawAnalysisRow(db, record, { templateSpec: template, templateHash: record.templateHash });
    db.close();

    const store = open();
    expect(await store.getAnalysis('old')).toEqual(record);
    expect((await store.listAnalysisSummaries({ limit: 100 })).analyses[0]?.pinnedStepWeights).toEqual([25, 100]);
    expect(controls()[0]?.templateSpec).toEqual(template);

    await store.commitTransition({ ...record, state: makeState('running', 1), version: record.version + 1 }, [], []);
    const [control] = controls();
    expect(control?.templateSpec).toBeUndefined();
    expect(control?.templateKey).toMatch(/^[0-9a-f]{64}$/);
    expect((await store.getAnalysis('old'))?.templateSpec).toEqual(template);
  });

  it('retention deletes the templates no analysis names any more; one pinned again is stored again', async () => {
    const store = open();
    const gone = makeTemplate({ steps: [step(10), step(100)] });
    const kept = makeTemplate({ steps: [step(50), step(100)] });
    await store.createAnalysis(makeRecord('ended', { templateSpec: gone, state: makeState('succeeded') }), [], []);
    await store.createAnalysis(makeRecord('running', { templateSpec: kept }), [], []);
    await store.createAnalysis(makeRecord('ended-too', { templateSpec: kept, state: makeState('aborted') }), [], []);
    expect(pinnedCount()).toBe(2);
    expect(await store.pruneEnded('2025-03-02T00:00:00.000Z')).toEqual(['ended', 'ended-too']);
    expect(pinnedCount()).toBe(1);
    expect((await store.getAnalysis('running'))?.templateSpec).toEqual(kept);
    // The same template object again: its row is written again, not assumed to be there.
    await store.createAnalysis(makeRecord('again', { templateSpec: gone }), [], []);
    expect(pinnedCount()).toBe(2);
    expect((await store.getAnalysis('again'))?.templateSpec).toEqual(gone);
  });

  it('a row whose pinned template is gone is a store error naming the key, not an analysis without one', async () => {
    let store = open();
    await store.createAnalysis(makeRecord('a1', { templateSpec: makeTemplate({ steps: [step(10), step(100)] }) }), [], []);
    await store.close();
    opened.splice(0);
    const key = controls()[0]?.templateKey as string;
    const db = new Database(path);
    db.prepare('DELETE FROM pinned_templates').run();
    db.close();

    store = open();
    await expect(store.getAnalysis('a1')).rejects.toMatchObject({ code: 'store-unavailable', message: expect.stringContaining(key) });
  });
});
