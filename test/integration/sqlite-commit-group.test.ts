// Routine ticks committed in groups (src/store/sqlite/commit-group.ts) on a real SQLite file:
// together they write less WAL than one by one, a stale one fails alone, every other write goes
// after the queued ones, and close() writes what is queued.

import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DomainError } from '../../src/analysis/errors.js';
import { openSqliteStore, type SqliteStoreOptions } from '../../src/store/sqlite/sqlite-store.js';
import { verifyEventChain, type Store } from '../../src/store/types.js';
import { FIXED_NOW, makeCall, makeRecord, makeState } from './store-contract.js';

let folder: string;
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'canaryd-commit-group-'));
});
afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

const ANALYSES = 20;
const tick = (n: number) => ({ type: 'tick', at: '2025-03-01T12:01:00.000Z', payload: { n, reason: 'no rule matched: keep observing'.repeat(20) } });
const tickOf = (id: string, version: number) => makeRecord(id, { version, state: { ...makeState(), consecutiveErrors: { [`m${version}`]: version } } });

async function seeded(name: string, options: SqliteStoreOptions): Promise<{ store: Store; path: string }> {
  const path = join(folder, name);
  const store = openSqliteStore(path, { now: () => FIXED_NOW, ...options });
  for (let index = 0; index < ANALYSES; index += 1) await store.createAnalysis(makeRecord(`a${index}`), [], []);
  return { store, path };
}
const walBytes = (path: string): number => statSync(`${path}-wal`).size;

describe('SQLite routine commits in groups', () => {
  it('writes ticks that arrive together in one transaction: every one stored and chained, less WAL than one by one', async () => {
    const grouped = await seeded('grouped.db', { commitGroup: { maxBatch: 64, maxDelayMs: 5 } });
    const alone = await seeded('alone.db', {});
    const walBefore = { grouped: walBytes(grouped.path), alone: walBytes(alone.path) };
    const ids = Array.from({ length: ANALYSES }, (_, index) => `a${index}`);
    await Promise.all(ids.map((id, n) => grouped.store.commitTransition(tickOf(id, 2), [tick(n)], [])));
    await Promise.all(ids.map((id, n) => alone.store.commitTransition(tickOf(id, 2), [tick(n)], [])));
    for (const id of ids) {
      const events = await grouped.store.listEvents(id);
      expect(events.map((event) => event.type)).toEqual(['tick']);
      expect(verifyEventChain(events)).toEqual({ ok: true });
      expect((await grouped.store.getAnalysis(id))?.version).toBe(2);
    }
    const written = { grouped: walBytes(grouped.path) - walBefore.grouped, alone: walBytes(alone.path) - walBefore.alone };
    // One by one, each commit rewrites the pages every tick touches; grouped, they are written once.
    expect(written.grouped * 4).toBeLessThan(written.alone);
    await grouped.store.close();
    await alone.store.close();
  });

  it('a stale tick fails alone as a conflict; the others of its group are written', async () => {
    const { store } = await seeded('stale.db', { commitGroup: { maxBatch: 64, maxDelayMs: 5 } });
    const results = await Promise.allSettled([
      store.commitTransition(tickOf('a0', 2), [tick(0)], []),
      store.commitTransition(tickOf('a1', 3), [tick(1)], []),
      store.commitTransition(tickOf('ghost', 2), [tick(2)], []),
      store.commitTransition(tickOf('a2', 2), [tick(3)], []),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    const reasons = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as DomainError] : []));
    expect(reasons.map((reason) => reason.code)).toEqual(['conflict', 'not-found']);
    expect(await store.listEvents('a1')).toEqual([]);
    expect((await store.getAnalysis('a1'))?.version).toBe(1);
    expect((await store.listEvents('a2')).length).toBe(1);
    await store.close();
  });

  it('a durable commit goes after the routine ones queued before it, and close() writes what is queued', async () => {
    const { store, path } = await seeded('order.db', { commitGroup: { maxBatch: 64, maxDelayMs: 60_000 } });
    // The store was quiet: this one is written at once, and the routine commits after it queue.
    await store.commitTransition(tickOf('a2', 2), [tick(2)], []);
    const routine = store.commitTransition(tickOf('a0', 2), [tick(0)], []);
    // Version 3 only applies on top of version 2: it would be refused if it overtook the queued tick.
    await store.commitTransition(tickOf('a0', 3), [{ type: 'decision', at: '2025-03-01T12:02:00.000Z', payload: {} }], [makeCall('a0', 1, 'set-weight')]);
    await routine;
    expect((await store.listEvents('a0')).map((event) => event.type)).toEqual(['tick', 'decision']);

    const queued = store.commitTransition(tickOf('a1', 2), [tick(1)], []);
    expect((await store.getAnalysis('a1'))?.version).toBe(1);
    await store.close();
    await queued;
    const reopened = openSqliteStore(path, { now: () => FIXED_NOW });
    expect((await reopened.getAnalysis('a1'))?.version).toBe(2);
    await reopened.close();
  });
});
