// The Store contract for pruneEnded (retention), run against every backend like store-contract.ts.

import { describe, expect, it } from 'vitest';
import type { Phase } from '../../src/analysis/types.js';
import { verifyEventChain, type Store } from '../../src/store/types.js';
import { makeCall, makeRecord, makeState } from './store-contract.js';

const OLD = '2025-03-01T12:00:00.000Z';
const CUTOFF = '2025-03-10T00:00:00.000Z';
const RECENT = '2025-03-10T00:00:00.001Z';

function event(type: string, seq: number) {
  return { type, at: OLD, payload: { seq, note: 'x'.repeat(50) } };
}

/** Creates an analysis in `phase`, last changed at `updatedAt`, with three events and one done call. */
async function seed(store: Store, id: string, phase: Phase, updatedAt: string, options: { pendingCall?: boolean } = {}): Promise<void> {
  await store.createAnalysis(makeRecord(id), [event('created', 1)], [makeCall(id, 0, 'set-weight')]);
  const [call] = await store.callsFor(id);
  if (!call) throw new Error('no call');
  await store.markCallDone(call.id, { ok: true, attempts: 1 });
  const calls = options.pendingCall === true ? [makeCall(id, 1, 'rollback')] : [];
  await store.commitTransition(makeRecord(id, { version: 2, updatedAt, state: makeState(phase, 1) }), [event('judged', 2), event('ended', 3)], calls);
}

async function expectWhole(store: Store, id: string): Promise<void> {
  expect(await store.getAnalysis(id)).not.toBeNull();
  const events = await store.listEvents(id);
  expect(events).toHaveLength(3);
  expect(verifyEventChain(events)).toEqual({ ok: true });
  expect((await store.callsFor(id)).length).toBeGreaterThan(0);
}

async function expectGone(store: Store, id: string): Promise<void> {
  expect(await store.getAnalysis(id)).toBeNull();
  expect(await store.listEvents(id)).toEqual([]);
  expect(await store.callsFor(id)).toEqual([]);
}

/** `open` gives a fresh, empty store. */
export function runStorePruneContract(backend: string, open: () => Promise<Store> | Store): void {
  describe(`Store contract, pruneEnded: ${backend}`, () => {
    it('deletes whole every ended analysis last changed before the cutoff, and nothing else', async () => {
      const store = await open();
      await seed(store, 'old-succeeded', 'succeeded', OLD);
      await seed(store, 'old-running', 'running', OLD);
      await seed(store, 'old-aborted', 'aborted', OLD);
      await seed(store, 'old-paused', 'paused', OLD);
      await seed(store, 'old-pending', 'pending', OLD);
      await seed(store, 'old-failed', 'failed', OLD);
      await seed(store, 'recent-succeeded', 'succeeded', RECENT);
      await seed(store, 'at-cutoff-aborted', 'aborted', CUTOFF);
      await seed(store, 'old-aborted-call-pending', 'aborted', OLD, { pendingCall: true });

      expect(await store.pruneEnded(CUTOFF)).toEqual(['old-succeeded', 'old-aborted', 'old-failed']);

      for (const id of ['old-succeeded', 'old-aborted', 'old-failed']) await expectGone(store, id);
      const kept = ['old-running', 'old-paused', 'old-pending', 'recent-succeeded', 'at-cutoff-aborted', 'old-aborted-call-pending'];
      for (const id of kept) await expectWhole(store, id);
      expect((await store.listAnalyses()).map((r) => r.id)).toEqual(kept);
      expect((await store.pendingCalls()).map((c) => c.analysisId)).toEqual(['old-aborted-call-pending']);

      // Nothing left to prune; once the pending call is done, that analysis goes too.
      expect(await store.pruneEnded(CUTOFF)).toEqual([]);
      const [pending] = await store.pendingCalls();
      if (!pending) throw new Error('no pending call');
      await store.markCallDone(pending.id, { ok: false, attempts: 4, error: 'answered 503' });
      expect(await store.pruneEnded(CUTOFF)).toEqual(['old-aborted-call-pending']);
      await expectGone(store, 'old-aborted-call-pending');
      await store.close();
    });

    it('with a limit, deletes the oldest-created first; the others keep verifying and growing', async () => {
      const store = await open();
      for (const id of ['e1', 'e2', 'e3']) await seed(store, id, 'succeeded', OLD);
      await seed(store, 'live', 'running', OLD);
      expect(await store.pruneEnded(CUTOFF, { limit: 2 })).toEqual(['e1', 'e2']);
      await expectWhole(store, 'e3');
      await expectWhole(store, 'live');
      expect(await store.pruneEnded(CUTOFF, { limit: 2 })).toEqual(['e3']);

      // A remaining trail goes on from where it was.
      await store.commitTransition(makeRecord('live', { version: 3, state: makeState('running', 2) }), [event('promoted', 4)], []);
      const events = await store.listEvents('live');
      expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
      expect(verifyEventChain(events)).toEqual({ ok: true });
      await store.close();
    });

    it('refuses a malformed cutoff or limit, deleting nothing', async () => {
      const store = await open();
      await seed(store, 'e1', 'succeeded', OLD);
      await expect(store.pruneEnded('last tuesday')).rejects.toMatchObject({ code: 'invalid-argument' });
      await expect(store.pruneEnded(CUTOFF, { limit: 0 })).rejects.toMatchObject({ code: 'invalid-argument' });
      await expect(store.pruneEnded(CUTOFF, { limit: 1.5 })).rejects.toMatchObject({ code: 'invalid-argument' });
      await expectWhole(store, 'e1');
      await store.close();
    });

    it('refuses to prune once closed', async () => {
      const store = await open();
      await store.close();
      await expect(store.pruneEnded(CUTOFF)).rejects.toMatchObject({ code: 'store-unavailable' });
    });
  });
}
