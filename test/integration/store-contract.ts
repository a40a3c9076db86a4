// One contract suite for every Store backend (memory, SQLite, later PostgreSQL).

import { describe, expect, it } from 'vitest';
import { idempotencyKey, type AdapterRequest } from '../../src/adapters/types.js';
import { canonicalJson, sha256Hex } from '../../src/analysis/evidence-hash.js';
import { DomainError } from '../../src/analysis/errors.js';
import type { AnalysisState, Phase } from '../../src/analysis/types.js';
import { GENESIS_HASH, verifyEventChain, type AdapterAction, type AdapterCallInput, type AnalysisRecord, type Store } from '../../src/store/types.js';
import { runStoreListContract } from './store-list-contract.js';

export const FIXED_NOW = Date.parse('2025-03-01T12:00:00.000Z');

export function makeState(phase: Phase = 'running', stepIndex = 0): AnalysisState {
  return {
    phase,
    stepIndex,
    startedAt: FIXED_NOW,
    stepStartedAt: FIXED_NOW,
    consecutiveErrors: {},
    lastVerdict: null,
    decidedAt: null,
    decidedBy: null,
  };
}

export function makeRecord(id: string, overrides: Partial<AnalysisRecord> = {}): AnalysisRecord {
  return {
    id,
    template: 'http-service',
    args: { service: 'checkout' },
    mode: 'drive',
    adapter: 'deployer',
    target: { service: 'checkout', environment: 'prod', version: 'v2' },
    state: makeState(),
    judgeMemory: {},
    createdAt: '2025-03-01T12:00:00.000Z',
    updatedAt: '2025-03-01T12:00:00.000Z',
    version: 1,
    ...overrides,
  };
}

export function makeCall(analysisId: string, step: number, action: AdapterAction, evidence = 'e'.repeat(64)): AdapterCallInput {
  const key = idempotencyKey(analysisId, step, action, evidence);
  const request: AdapterRequest = {
    analysisId,
    action,
    weight: [1, 5, 25, 50, 100][step] ?? 100,
    step,
    target: { service: 'checkout', environment: 'prod', version: 'v2' },
    rule: { id: 'healthy', group: 'promote' },
    evidenceHash: evidence,
    idempotencyKey: key,
    at: '2025-03-01T12:01:00.000Z',
  };
  return { adapter: 'deployer', idempotencyKey: key, request };
}

function event(type: string, payload: Record<string, unknown> = {}) {
  return { type, at: '2025-03-01T12:00:00.000Z', payload };
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<DomainError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  expect((error as DomainError).code).toBe(code);
  return error as DomainError;
}

/** `open` gives a fresh, empty store whose clock reads FIXED_NOW. */
export function runStoreContract(backend: string, open: () => Promise<Store> | Store): void {
  runStoreListContract(backend, open);
  describe(`Store contract: ${backend}`, () => {
    it('creates an analysis and reads it back exactly', async () => {
      const store = await open();
      const record = makeRecord('a1', { judgeMemory: { error_rate: { n: 3, sums: [1, 2.5] } } });
      await store.createAnalysis(record, [event('created', { by: 'api' })], []);
      expect(await store.getAnalysis('a1')).toEqual(record);
      expect(await store.getAnalysis('nope')).toBeNull();
      await expectCode(store.createAnalysis(record, [], []), 'conflict');
      await store.close();
    });

    it('chains events: genesis prevHash, each prevHash the previous hash, hash = sha256(prev + canonical JSON)', async () => {
      const store = await open();
      await store.createAnalysis(makeRecord('a1'), [event('created', { z: 1, a: [1, 2] }), event('started')], []);
      await store.commitTransition(makeRecord('a1', { version: 2 }), [event('promoted', { step: 1 }), event('weight')], []);
      const events = await store.listEvents('a1');
      expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
      expect(events.map((e) => e.type)).toEqual(['created', 'started', 'promoted', 'weight']);
      expect(events[0]?.prevHash).toBe(GENESIS_HASH);
      for (let i = 1; i < events.length; i += 1) expect(events[i]?.prevHash).toBe(events[i - 1]?.hash);
      const first = events[0];
      if (!first) throw new Error('no event');
      const { analysisId, seq, type, at, payload } = first;
      expect(first.hash).toBe(sha256Hex(GENESIS_HASH + canonicalJson({ analysisId, seq, type, at, payload })));
      expect(verifyEventChain(events)).toEqual({ ok: true });
      expect(await store.listEvents('unknown')).toEqual([]);
      await store.close();
    });

    it('stores payloads as JSON reads them back and hashes what it stores (undefined, NaN, Infinity, -0, toJSON)', async () => {
      const store = await open();
      const awkward = {
        kept: 1,
        dropped: undefined,
        notANumber: Number.NaN,
        nested: { infinite: Number.POSITIVE_INFINITY, negativeZero: -0, list: [undefined, Number.NaN, 'x', { gone: undefined }] },
        when: new Date('2025-03-01T12:00:00.000Z'),
      };
      await store.createAnalysis(makeRecord('a1'), [event('created', awkward)], []);
      await store.commitTransition(makeRecord('a1', { version: 2 }), [event('tick', awkward), event('tick', { z: [1.5e21, 2] })], []);
      const events = await store.listEvents('a1');
      const roundTrip = JSON.parse(JSON.stringify(awkward)) as unknown;
      expect(events.map((e) => e.payload)).toEqual([roundTrip, roundTrip, { z: [1.5e21, 2] }]);
      expect(events[0]?.payload).not.toHaveProperty('dropped');
      expect(verifyEventChain(events)).toEqual({ ok: true });
      await store.close();
    });

    it('commits state, events and calls together and refuses a stale or skipped version', async () => {
      const store = await open();
      await store.createAnalysis(makeRecord('a1'), [event('created')], []);
      const v2 = makeRecord('a1', { version: 2, state: makeState('running', 1) });
      await store.commitTransition(v2, [event('promoted')], [makeCall('a1', 1, 'set-weight')]);
      expect(await store.getAnalysis('a1')).toEqual(v2);

      const stale = makeRecord('a1', { version: 2, state: makeState('aborted', 1) });
      const error = await expectCode(store.commitTransition(stale, [event('aborted')], [makeCall('a1', 1, 'rollback')]), 'conflict');
      expect(error.message).toContain('version 2');
      await expectCode(store.commitTransition(makeRecord('a1', { version: 4 }), [], []), 'conflict');
      await expectCode(store.commitTransition(makeRecord('ghost', { version: 2 }), [], []), 'not-found');

      expect((await store.getAnalysis('a1'))?.state.phase).toBe('running');
      expect((await store.listEvents('a1')).map((e) => e.type)).toEqual(['created', 'promoted']);
      expect((await store.callsFor('a1')).map((c) => c.request.action)).toEqual(['set-weight']);
      await store.close();
    });

    it('a commit that fails half-way leaves nothing written', async () => {
      const store = await open();
      await store.createAnalysis(makeRecord('a1'), [event('created')], [makeCall('a1', 0, 'set-weight')]);
      const v2 = makeRecord('a1', { version: 2, state: makeState('running', 1) });
      // The second event cannot be serialised: the first event and the state were already staged.
      const unserialisable = event('broken', { big: 10n as unknown as number });
      await expect(store.commitTransition(v2, [event('promoted'), unserialisable], [makeCall('a1', 1, 'set-weight')])).rejects.toThrow();
      expect(await store.getAnalysis('a1')).toEqual(makeRecord('a1'));
      expect((await store.listEvents('a1')).map((e) => e.type)).toEqual(['created']);
      expect((await store.callsFor('a1')).map((c) => c.request.step)).toEqual([0]);
      // The same transition, repaired, then goes through at the same version.
      await store.commitTransition(v2, [event('promoted')], [makeCall('a1', 1, 'set-weight')]);
      expect(verifyEventChain(await store.listEvents('a1'))).toEqual({ ok: true });
      await store.close();
    });

    it('ignores a call whose idempotency key the analysis already has', async () => {
      const store = await open();
      const call = makeCall('a1', 1, 'set-weight');
      await store.createAnalysis(makeRecord('a1'), [], [call]);
      const retried = { ...call, request: { ...call.request, at: '2025-03-01T12:09:00.000Z' } };
      await store.commitTransition(makeRecord('a1', { version: 2 }), [], [retried, makeCall('a1', 2, 'set-weight')]);
      await store.commitTransition(makeRecord('a1', { version: 3 }), [], [call, call]);
      const calls = await store.callsFor('a1');
      expect(calls.map((c) => c.idempotencyKey)).toEqual([call.idempotencyKey, makeCall('a1', 2, 'set-weight').idempotencyKey]);
      expect(calls[0]?.request.at).toBe(call.request.at);
      // The same key in another analysis is another call.
      await store.createAnalysis(makeRecord('a2'), [], [makeCall('a2', 1, 'set-weight')]);
      expect(await store.pendingCalls()).toHaveLength(3);
      await store.close();
    });

    it('refuses a call whose key or analysis does not match its request, writing nothing', async () => {
      const store = await open();
      const mismatched = { ...makeCall('a1', 0, 'set-weight'), idempotencyKey: 'other' };
      await expectCode(store.createAnalysis(makeRecord('a1'), [event('created')], [mismatched]), 'invalid-adapter-call');
      expect(await store.getAnalysis('a1')).toBeNull();
      await expectCode(store.createAnalysis(makeRecord('a1'), [], [makeCall('a2', 0, 'set-weight')]), 'invalid-adapter-call');
      expect(await store.listAnalyses()).toEqual([]);
      await store.close();
    });

    it('lists pending calls oldest first and marks them done or failed once', async () => {
      const store = await open();
      await store.createAnalysis(makeRecord('a1'), [], [makeCall('a1', 0, 'set-weight')]);
      await store.createAnalysis(makeRecord('a2', { updatedAt: '2025-03-01T12:05:00.000Z' }), [], [makeCall('a2', 0, 'set-weight')]);
      await store.commitTransition(makeRecord('a1', { version: 2 }), [], [makeCall('a1', 1, 'rollback')]);
      const pending = await store.pendingCalls();
      expect(pending.map((c) => `${c.analysisId}/${c.request.action}`)).toEqual(['a1/set-weight', 'a2/set-weight', 'a1/rollback']);
      expect(pending[0]).toMatchObject({ status: 'pending', attempts: 0, lastError: null, doneAt: null, adapter: 'deployer' });
      expect(pending[1]?.createdAt).toBe('2025-03-01T12:05:00.000Z');

      const [first, second] = pending;
      if (!first || !second) throw new Error('expected two calls');
      await store.markCallDone(first.id, { ok: true, attempts: 2 });
      await store.markCallDone(second.id, { ok: false, attempts: 4, error: 'answered 500' });
      expect((await store.pendingCalls()).map((c) => c.request.action)).toEqual(['rollback']);
      const a1 = await store.callsFor('a1');
      expect(a1[0]).toMatchObject({ status: 'done', attempts: 2, lastError: null, doneAt: new Date(FIXED_NOW).toISOString() });
      expect((await store.callsFor('a2'))[0]).toMatchObject({ status: 'failed', attempts: 4, lastError: 'answered 500' });

      await expectCode(store.markCallDone(first.id, { ok: false, attempts: 1, error: 'late' }), 'conflict');
      expect((await store.callsFor('a1'))[0]?.status).toBe('done');
      await expectCode(store.markCallDone(9999, { ok: true, attempts: 1 }), 'not-found');
      await store.close();
    });

    it('lists analyses in creation order, filtered by phase', async () => {
      const store = await open();
      await store.createAnalysis(makeRecord('b'), [], []);
      await store.createAnalysis(makeRecord('a', { state: makeState('paused') }), [], []);
      await store.createAnalysis(makeRecord('c'), [], []);
      await store.commitTransition(makeRecord('b', { version: 2, state: makeState('succeeded', 4) }), [], []);
      expect((await store.listAnalyses()).map((r) => r.id)).toEqual(['b', 'a', 'c']);
      expect((await store.listAnalyses({ phase: 'running' })).map((r) => r.id)).toEqual(['c']);
      expect((await store.listAnalyses({ phase: 'succeeded' })).map((r) => r.id)).toEqual(['b']);
      expect(await store.listAnalyses({ phase: 'failed' })).toEqual([]);
      await store.close();
    });

    it('hands out copies: changing a returned value changes nothing stored', async () => {
      const store = await open();
      await store.createAnalysis(makeRecord('a1'), [event('created', { n: 1 })], [makeCall('a1', 0, 'set-weight')]);
      const record = await store.getAnalysis('a1');
      if (!record) throw new Error('missing');
      record.state.phase = 'aborted';
      record.args.service = 'changed';
      const [stored] = await store.listEvents('a1');
      if (stored) stored.payload.n = 2;
      const [call] = await store.callsFor('a1');
      if (call) call.request.weight = 99;
      expect(await store.getAnalysis('a1')).toEqual(makeRecord('a1'));
      expect((await store.listEvents('a1'))[0]?.payload).toEqual({ n: 1 });
      expect((await store.callsFor('a1'))[0]?.request.weight).toBe(1);
      await store.close();
    });

    it('refuses to work once closed', async () => {
      const store = await open();
      await store.close();
      await expectCode(store.getAnalysis('a1'), 'store-unavailable');
      await expectCode(store.createAnalysis(makeRecord('a1'), [], []), 'store-unavailable');
    });
  });
}
