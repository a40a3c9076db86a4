import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../src/analysis/errors.js';
import type { CreateAnalysisRequest } from '../../../src/daemon/service-types.js';
import { withCommitHook } from '../../../src/notify/commit-hook.js';
import { type CommittedEvents, notificationsOf } from '../../../src/notify/notification.js';
import { createMemoryStore } from '../../../src/store/memory.js';
import type { Store } from '../../../src/store/types.js';
import { ManualClock } from '../../../src/daemon/clock.js';
import { FAILING, MINUTE, T0, TARGET, testDaemon } from '../daemon/daemon-fixtures.js';

const DRIVE: CreateAnalysisRequest = { template: 'web', args: { service: 'checkout' }, mode: 'drive', adapter: 'deployer', target: TARGET };

describe('withCommitHook', () => {
  it('hands a daemon’s committed events to the listener after the write, so an abort becomes one notification', async () => {
    const clock = new ManualClock(T0);
    const inner = createMemoryStore({ now: () => clock.now() });
    const committed: CommittedEvents[] = [];
    const storedVersions: Array<number | undefined> = [];
    const store = withCommitHook(
      inner,
      (batch) => {
        committed.push(batch);
        // Called after the commit: the store already holds what the listener is told about.
        if (batch.record !== null) void inner.getAnalysis(batch.record.id).then((stored) => storedVersions.push(stored?.version));
      },
      () => undefined,
    );
    const t = testDaemon({ store, clock });
    await t.daemon.start();
    const { id } = await t.daemon.service.create(DRIVE);
    t.source.values = FAILING;
    await t.scheduler.advance(5 * MINUTE);
    await t.daemon.idle();
    expect((await t.daemon.service.get(id)).phase).toBe('aborted');
    expect(committed[0]?.events.map((event) => event.type)).toContain('created');
    expect(storedVersions).toEqual(committed.filter((batch) => batch.record !== null).map((batch) => batch.record?.version));
    const notifications = committed.flatMap((batch) => notificationsOf(batch, null));
    expect(notifications.map((notification) => [notification.verdict, notification.rule?.id])).toEqual([['abort', 'error-spike']]);
  });

  it('tells nothing when the write fails, and a listener that throws never fails the write', async () => {
    const inner = createMemoryStore();
    const errors: unknown[] = [];
    const told: CommittedEvents[] = [];
    const failing: Store = { ...inner, createAnalysis: async () => Promise.reject(new DomainError('store-unavailable', 'disk full')) };
    const store = withCommitHook(
      failing,
      (batch) => void told.push(batch),
      (error) => void errors.push(error),
    );
    const t = testDaemon({ store });
    await t.daemon.start();
    await expect(t.daemon.service.create(DRIVE)).rejects.toMatchObject({ code: 'store-unavailable' });
    expect(told).toEqual([]);

    const throwing = withCommitHook(
      createMemoryStore(),
      () => {
        throw new Error('listener broke');
      },
      (error) => void errors.push(error),
    );
    const u = testDaemon({ store: throwing });
    await u.daemon.start();
    const view = await u.daemon.service.create(DRIVE);
    expect(view.phase).toBe('running');
    expect(errors.map((error) => (error as Error).message)).toEqual(['listener broke']);
    // Methods it does not hook pass through to the store.
    expect((await throwing.getAnalysis(view.id))?.id).toBe(view.id);
  });

  it('a freeze is told with the control trail event and no analysis', async () => {
    const told: CommittedEvents[] = [];
    const store = withCommitHook(
      createMemoryStore(),
      (batch) => void told.push(batch),
      () => undefined,
    );
    const freeze = {
      id: 'f-1',
      reason: 'incident',
      scope: { environment: 'prod' },
      createdBy: 'alice',
      createdAt: '2026-12-01T10:00:00.000Z',
      liftedBy: null,
      liftedAt: null,
    };
    const event = { type: 'freeze-created', at: freeze.createdAt, payload: { freezeId: 'f-1', reason: 'incident', scope: freeze.scope, actor: 'alice' } };
    await store.saveFreeze(freeze, event);
    expect(told).toEqual([{ record: null, events: [event] }]);
    expect(await store.listFreezes()).toEqual([freeze]);
    expect(notificationsOf(told[0] as CommittedEvents, null).map((notification) => notification.events)).toEqual([['freeze']]);
  });
});
