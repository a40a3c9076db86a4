// The release part of the Store contract (issue 9): release fields kept with the record, and
// listReleases — one target, newest first, pages through a cursor. Every backend runs it.

import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/analysis/errors.js';
import { MAX_RELEASE_PAGE, type AnalysisRecord, type Store } from '../../src/store/types.js';
import { makeRecord } from './store-contract.js';

async function expectCode(promise: Promise<unknown>, code: string): Promise<DomainError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  expect((error as DomainError).code).toBe(code);
  return error as DomainError;
}

function release(id: string, service: string, environment: string, version: string): AnalysisRecord {
  return makeRecord(id, { target: { service, environment, version } });
}

const ids = (records: AnalysisRecord[]) => records.map((record) => record.id);

/** `open` gives a fresh, empty store. */
export function runStoreReleaseContract(backend: string, open: () => Promise<Store> | Store): void {
  describe(`Store release contract: ${backend}`, () => {
    it('keeps artifact, previousVersion, checks and rollbacks with the record, through create and commit', async () => {
      const store = await open();
      const record = makeRecord('r1', { artifact: 'sha256:abc', previousVersion: 'v1' });
      await store.createAnalysis(record, [], []);
      expect(await store.getAnalysis('r1')).toEqual(record);

      const evidence = {
        name: 'eval',
        values: { task_success: 0.91, pii_leakage: 0, suite: 'nightly', passed: true },
        source: 'eval-run 42',
        digest: 'sha256:def',
        at: '2025-03-01T12:05:00.000Z',
        actor: 'ci',
      };
      const rollback = {
        id: 'rb-1',
        service: 'checkout',
        environment: 'prod',
        fromVersion: 'v2',
        toVersion: 'v1',
        reason: 'latency',
        actor: 'alice',
        at: '2025-03-01T12:06:00.000Z',
        analysisId: 'r1',
        adapter: 'deployer',
        idempotencyKey: 'r1:0:rollback:x',
      };
      const next: AnalysisRecord = { ...record, version: 2, checks: { eval: evidence }, rollbacks: [rollback], updatedAt: '2025-03-01T12:06:00.000Z' };
      await store.commitTransition(next, [{ type: 'check', at: evidence.at, payload: { ...evidence } }], []);
      expect(await store.getAnalysis('r1')).toEqual(next);
      const [listed] = (await store.listReleases({ service: 'checkout', environment: 'prod', limit: 10 })).records;
      expect(listed).toEqual(next);
    });

    it('a record without release fields reads back without them (not as nulls)', async () => {
      const store = await open();
      await store.createAnalysis(makeRecord('plain'), [], []);
      const read = await store.getAnalysis('plain');
      expect(read).toEqual(makeRecord('plain'));
      expect(read !== null && 'artifact' in read).toBe(false);
      expect(read !== null && 'checks' in read).toBe(false);
    });

    it('lists the analyses of one service and environment only, newest first', async () => {
      const store = await open();
      await store.createAnalysis(release('a', 'checkout', 'prod', 'v1'), [], []);
      await store.createAnalysis(release('b', 'checkout', 'staging', 'v2'), [], []);
      await store.createAnalysis(release('c', 'payments', 'prod', 'v7'), [], []);
      await store.createAnalysis(release('d', 'checkout', 'prod', 'v2'), [], []);
      await store.createAnalysis(release('e', 'checkout', 'prod', 'v3'), [], []);
      const page = await store.listReleases({ service: 'checkout', environment: 'prod', limit: 10 });
      expect(ids(page.records)).toEqual(['e', 'd', 'a']);
      expect(page.nextCursor).toBeNull();
      expect(ids((await store.listReleases({ service: 'checkout', environment: 'staging', limit: 10 })).records)).toEqual(['b']);
      expect(await store.listReleases({ service: 'nothing', environment: 'prod', limit: 10 })).toEqual({ records: [], nextCursor: null });
    });

    it('orders by creation, not by the last update', async () => {
      const store = await open();
      await store.createAnalysis(release('old', 'checkout', 'prod', 'v1'), [], []);
      await store.createAnalysis(release('new', 'checkout', 'prod', 'v2'), [], []);
      const old = await store.getAnalysis('old');
      if (old === null) throw new Error('old vanished');
      await store.commitTransition({ ...old, version: 2, updatedAt: '2025-03-02T00:00:00.000Z' }, [], []);
      expect(ids((await store.listReleases({ service: 'checkout', environment: 'prod', limit: 5 })).records)).toEqual(['new', 'old']);
    });

    it('pages with limit and the cursor until nextCursor is null, every release once', async () => {
      const store = await open();
      for (const n of [1, 2, 3, 4, 5]) await store.createAnalysis(release(`r${n}`, 'checkout', 'prod', `v${n}`), [], []);
      await store.createAnalysis(release('other', 'checkout', 'staging', 'v9'), [], []);
      const first = await store.listReleases({ service: 'checkout', environment: 'prod', limit: 2 });
      expect(ids(first.records)).toEqual(['r5', 'r4']);
      expect(first.nextCursor).toBe('r4');
      const second = await store.listReleases({ service: 'checkout', environment: 'prod', limit: 2, before: 'r4' });
      expect(ids(second.records)).toEqual(['r3', 'r2']);
      expect(second.nextCursor).toBe('r2');
      const third = await store.listReleases({ service: 'checkout', environment: 'prod', limit: 2, before: 'r2' });
      expect(ids(third.records)).toEqual(['r1']);
      expect(third.nextCursor).toBeNull();
      // A page that ends exactly at the last release says so: no empty page after it.
      const exact = await store.listReleases({ service: 'checkout', environment: 'prod', limit: 5 });
      expect(exact.records).toHaveLength(5);
      expect(exact.nextCursor).toBeNull();
      expect(await store.listReleases({ service: 'checkout', environment: 'prod', limit: 2, before: 'r1' })).toEqual({ records: [], nextCursor: null });
    });

    it('refuses a cursor that is not an analysis of the target (invalid-request, field before)', async () => {
      const store = await open();
      await store.createAnalysis(release('a', 'checkout', 'prod', 'v1'), [], []);
      await store.createAnalysis(release('s', 'checkout', 'staging', 'v1'), [], []);
      const unknown = await expectCode(store.listReleases({ service: 'checkout', environment: 'prod', limit: 5, before: 'nope' }), 'invalid-request');
      expect(unknown.field).toBe('before');
      expect(unknown.message).toContain('nope');
      const foreign = await expectCode(store.listReleases({ service: 'checkout', environment: 'prod', limit: 5, before: 's' }), 'invalid-request');
      expect(foreign.field).toBe('before');
    });

    it('refuses a limit outside 1..MAX_RELEASE_PAGE (invalid-argument)', async () => {
      const store = await open();
      for (const limit of [0, -1, 1.5, MAX_RELEASE_PAGE + 1, Number.NaN]) {
        await expectCode(store.listReleases({ service: 'checkout', environment: 'prod', limit }), 'invalid-argument');
      }
      expect((await store.listReleases({ service: 'checkout', environment: 'prod', limit: MAX_RELEASE_PAGE })).records).toEqual([]);
    });

    it('hands out copies: changing a listed record changes nothing stored', async () => {
      const store = await open();
      await store.createAnalysis(makeRecord('c1', { artifact: 'sha256:1' }), [], []);
      const [listed] = (await store.listReleases({ service: 'checkout', environment: 'prod', limit: 1 })).records;
      if (listed === undefined) throw new Error('nothing listed');
      listed.artifact = 'sha256:changed';
      listed.target.version = 'changed';
      expect(await store.getAnalysis('c1')).toEqual(makeRecord('c1', { artifact: 'sha256:1' }));
    });

    it('refuses to list once closed (store-unavailable)', async () => {
      const store = await open();
      await store.close();
      await expectCode(store.listReleases({ service: 'checkout', environment: 'prod', limit: 1 }), 'store-unavailable');
    });
  });
}
