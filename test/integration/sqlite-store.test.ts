// The SQLite store on real temporary files, plus the shared Store contract for both backends.

import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/analysis/errors.js';
import { createMemoryStore } from '../../src/store/memory.js';
import { SCHEMA_VERSION } from '../../src/store/sqlite/schema.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { verifyEventChain, type Store } from '../../src/store/types.js';
import { FIXED_NOW, makeCall, makeRecord, makeState, runStoreContract } from './store-contract.js';
import { runStorePruneContract } from './store-prune-contract.js';

let folder: string;
const opened: Store[] = [];

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'canaryd-store-'));
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

runStoreContract('memory', () => createMemoryStore({ now: () => FIXED_NOW }));
runStoreContract('sqlite', () => openAt(join(folder, 'contract.db')));
runStoreContract('sqlite, routine ticks committed in groups', () => {
  const store = openSqliteStore(join(folder, 'contract.db'), { now: () => FIXED_NOW, commitGroup: { maxBatch: 8, maxDelayMs: 1 } });
  opened.push(store);
  return store;
});
runStorePruneContract('memory', () => createMemoryStore({ now: () => FIXED_NOW }));
runStorePruneContract('sqlite', () => openAt(join(folder, 'contract.db')));

function openError(path: string): DomainError {
  try {
    openSqliteStore(path);
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return error as DomainError;
  }
  throw new Error(`opening ${path} should have failed`);
}

const created = { type: 'created', at: '2025-03-01T12:00:00.000Z', payload: { template: 'http-service' } };
const promoted = (step: number) => ({ type: 'promoted', at: '2025-03-01T12:10:00.000Z', payload: { step, rule: 'healthy' } });

describe('SQLite store on a real file', () => {
  it('creates missing folders, uses WAL and records its schema version', async () => {
    const path = join(folder, 'nested', 'deeper', 'canaryd.db');
    const store = openAt(path);
    await store.createAnalysis(makeRecord('a1'), [created], []);
    const raw = new Database(path, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(raw.prepare('SELECT version FROM schema_version').all()).toEqual([{ version: SCHEMA_VERSION }]);
    } finally {
      raw.close();
    }
  });

  it('keeps everything across close and reopen', async () => {
    const path = join(folder, 'canaryd.db');
    const first = openAt(path);
    const v2 = makeRecord('a1', { version: 2, state: makeState('running', 1), judgeMemory: { msprt: { llr: 1.25 } } });
    await first.createAnalysis(makeRecord('a1'), [created], [makeCall('a1', 0, 'set-weight')]);
    await first.commitTransition(v2, [promoted(1)], [makeCall('a1', 1, 'set-weight')]);
    const [done] = await first.callsFor('a1');
    if (!done) throw new Error('no call');
    await first.markCallDone(done.id, { ok: true, attempts: 1 });
    await first.close();

    const second = openAt(path);
    expect(await second.getAnalysis('a1')).toEqual(v2);
    const events = await second.listEvents('a1');
    expect(events.map((e) => e.type)).toEqual(['created', 'promoted']);
    expect(verifyEventChain(events)).toEqual({ ok: true });
    expect((await second.callsFor('a1')).map((c) => c.status)).toEqual(['done', 'pending']);
    // The chain goes on from where it was.
    await second.commitTransition(makeRecord('a1', { version: 3 }), [promoted(2)], []);
    const longer = await second.listEvents('a1');
    expect(longer[2]?.prevHash).toBe(events[1]?.hash);
    expect(verifyEventChain(longer)).toEqual({ ok: true });
  });

  it('a second connection opened without closing the first (a crash) sees pending calls and can finish them', async () => {
    const path = join(folder, 'canaryd.db');
    const crashed = openAt(path); // never closed before the "restart"
    await crashed.createAnalysis(makeRecord('a1'), [created], [makeCall('a1', 0, 'set-weight')]);
    await crashed.commitTransition(makeRecord('a1', { version: 2 }), [promoted(1)], [makeCall('a1', 1, 'set-weight')]);
    const [firstCall] = await crashed.pendingCalls();
    if (!firstCall) throw new Error('no call');
    await crashed.markCallDone(firstCall.id, { ok: true, attempts: 1 });

    const restarted = openAt(path);
    const pending = await restarted.pendingCalls();
    expect(pending.map((c) => c.idempotencyKey)).toEqual([makeCall('a1', 1, 'set-weight').idempotencyKey]);
    expect(pending[0]?.request).toEqual(makeCall('a1', 1, 'set-weight').request);
    expect((await restarted.getAnalysis('a1'))?.version).toBe(2);
    // Retrying the same decision after the restart does not record a second call.
    await restarted.commitTransition(makeRecord('a1', { version: 3 }), [], [makeCall('a1', 1, 'set-weight')]);
    expect(await restarted.callsFor('a1')).toHaveLength(2);
    // Both connections agree on versions: the crashed one is now stale.
    await expect(restarted.commitTransition(makeRecord('a1', { version: 3 }), [], [])).rejects.toMatchObject({ code: 'conflict' });
    await expect(crashed.commitTransition(makeRecord('a1', { version: 3 }), [], [])).rejects.toMatchObject({ code: 'conflict' });
  });

  it('a failure inside the database rolls back the whole transition', async () => {
    const path = join(folder, 'canaryd.db');
    const store = openAt(path);
    await store.createAnalysis(makeRecord('a1'), [created], []);
    const raw = new Database(path);
    raw.exec("CREATE TRIGGER refuse_calls BEFORE INSERT ON adapter_calls BEGIN SELECT RAISE(ABORT, 'disk says no'); END");
    raw.close();

    const v2 = makeRecord('a1', { version: 2, state: makeState('aborted') });
    const failure = store.commitTransition(v2, [promoted(1), promoted(2)], [makeCall('a1', 1, 'rollback')]);
    await expect(failure).rejects.toMatchObject({ code: 'store-unavailable' });
    await expect(failure).rejects.toThrow(/disk says no/);
    expect(await store.getAnalysis('a1')).toEqual(makeRecord('a1'));
    expect((await store.listEvents('a1')).map((e) => e.type)).toEqual(['created']);
    expect(await store.callsFor('a1')).toEqual([]);
  });

  it('tampering with a stored event makes the chain fail at that event', async () => {
    const path = join(folder, 'canaryd.db');
    const store = openAt(path);
    await store.createAnalysis(makeRecord('a1'), [created], []);
    await store.commitTransition(makeRecord('a1', { version: 2 }), [promoted(1), promoted(2), promoted(3)], []);
    await store.close();

    // canaryd refuses updates; whoever holds the file can drop the guard, which the chain catches.
    const raw = new Database(path);
    expect(() => raw.prepare('DELETE FROM events WHERE seq = 4').run()).toThrow(/append-only/);
    raw.exec('DROP TRIGGER events_no_update');
    raw.prepare(`UPDATE events SET payload = '{"rule":"healthy","step":9}' WHERE analysis_id = 'a1' AND seq = 3`).run();
    raw.close();

    const reopened = openAt(path);
    const events = await reopened.listEvents('a1');
    expect(verifyEventChain(events)).toMatchObject({ ok: false, brokenAtSeq: 3 });

    // Recomputing the tampered event's own hash only moves the break to the next event.
    const forged = events.map((e) => ({ ...e }));
    const target = forged[2];
    if (!target) throw new Error('missing');
    const { computeEventHash } = await import('../../src/store/event-chain.js');
    target.hash = computeEventHash(target.prevHash, target);
    expect(verifyEventChain(forged)).toMatchObject({ ok: false, brokenAtSeq: 4 });
    expect(verifyEventChain(events.filter((e) => e.seq !== 2))).toMatchObject({ ok: false, brokenAtSeq: 3 });
  });

  it('names the path in a clear error when the file cannot be opened', () => {
    const directory = join(folder, 'is-a-directory');
    mkdirSync(directory);
    const dirError = openError(directory);
    expect(dirError.code).toBe('store-unavailable');
    expect(dirError.message).toContain(directory);

    const notADatabase = join(folder, 'notes.txt');
    writeFileSync(notADatabase, 'these are not the pages you are looking for'.repeat(100));
    const fileError = openError(notADatabase);
    expect(fileError.code).toBe('store-unavailable');
    expect(fileError.message).toContain(notADatabase);

    const underAFile = join(notADatabase, 'canaryd.db');
    const parentError = openError(underAFile);
    expect(parentError.code).toBe('store-unavailable');
    expect(parentError.message).toContain(underAFile);
  });

  it('refuses a database written by a newer canaryd', () => {
    const path = join(folder, 'canaryd.db');
    openSqliteStore(path).close();
    const raw = new Database(path);
    raw.prepare('UPDATE schema_version SET version = ?').run(SCHEMA_VERSION + 1);
    raw.close();
    const error = openError(path);
    expect(error.code).toBe('store-unavailable');
    expect(error.message).toMatch(/newer/);
  });
});
