// The Store's part of the control boundary, for every backend: creation keys, pinned templates and
// approvals kept with the record, freezes with their hash-chained trail, failed calls re-armed.

import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/analysis/errors.js';
import { CONTROL_TRAIL_ID, verifyEventChain, type Store } from '../../src/store/types.js';
import type { FreezeRecord } from '../../src/control/types.js';
import { makeCall, makeRecord } from './store-contract.js';
import { makeTemplate, step } from '../unit/analysis/fixtures.js';

const AT = '2025-03-01T12:00:00.000Z';

export function runStoreControlContract(backend: string, open: () => Promise<Store> | Store): void {
  describe(`Store control contract: ${backend}`, () => {
    it('keeps the creator, the pinned template and its hash, and finds an analysis by its creation key', async () => {
      const store = await open();
      const template = makeTemplate({ steps: [step(10), step(100)] });
      const record = makeRecord('a1', { createdBy: 'argo', creationKey: 'argo:deploy-1', templateSpec: template, templateHash: 'h'.repeat(64) });
      await store.createAnalysis(record, [], []);
      expect(await store.getAnalysis('a1')).toEqual(record);
      expect((await store.findByCreationKey('argo:deploy-1'))?.id).toBe('a1');
      expect(await store.findByCreationKey('argo:other')).toBeNull();
      const duplicate = await store.createAnalysis(makeRecord('a2', { creationKey: 'argo:deploy-1' }), [], []).catch((error: unknown) => error);
      expect(duplicate).toBeInstanceOf(DomainError);
      expect((duplicate as DomainError).code).toBe('conflict');
      expect(await store.getAnalysis('a2')).toBeNull();
      await store.close();
    });

    it('re-arms failed calls in the same transaction as the transition, and only failed ones', async () => {
      const store = await open();
      const record = makeRecord('a1');
      await store.createAnalysis(record, [], [makeCall('a1', 0, 'set-weight')]);
      const [call] = await store.callsFor('a1');
      if (call === undefined) throw new Error('no call');
      const pendingRetry = await store.commitTransition({ ...record, version: 2 }, [], [], { retryCalls: [call.id] }).catch((error: unknown) => error);
      expect((pendingRetry as DomainError).code).toBe('conflict');
      expect((await store.getAnalysis('a1'))?.version).toBe(1);
      await store.markCallDone(call.id, { ok: false, attempts: 3, error: 'deployer answered 503' });
      await store.commitTransition({ ...record, version: 2 }, [{ type: 'resumed', at: AT, payload: {} }], [], { retryCalls: [call.id] });
      expect((await store.callsFor('a1')).map((c) => [c.idempotencyKey, c.status])).toEqual([[call.idempotencyKey, 'pending']]);
      await store.close();
    });

    it('saves freezes and chains their events in the control trail', async () => {
      const store = await open();
      const freeze: FreezeRecord = {
        id: 'f1',
        reason: 'incident',
        scope: { environment: 'production' },
        createdBy: 'ops',
        createdAt: AT,
        liftedBy: null,
        liftedAt: null,
      };
      await store.saveFreeze(freeze, { type: 'freeze-created', at: AT, payload: { freezeId: 'f1' } });
      await store.saveFreeze({ ...freeze, liftedBy: 'ops', liftedAt: AT }, { type: 'freeze-lifted', at: AT, payload: { freezeId: 'f1' } });
      expect(await store.listFreezes()).toEqual([{ ...freeze, liftedBy: 'ops', liftedAt: AT }]);
      const trail = await store.listControlEvents();
      expect(trail.map((event) => [event.seq, event.type, event.analysisId])).toEqual([
        [1, 'freeze-created', CONTROL_TRAIL_ID],
        [2, 'freeze-lifted', CONTROL_TRAIL_ID],
      ]);
      expect(verifyEventChain(trail)).toEqual({ ok: true });
      await store.close();
    });
  });
}
