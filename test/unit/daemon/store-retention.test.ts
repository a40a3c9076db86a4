import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../src/analysis/errors.js';
import { ManualClock } from '../../../src/daemon/clock.js';
import { PRUNE_BATCH_SIZE, STORE_RETENTION_KEY } from '../../../src/daemon/store-retention.js';
import { createMemoryStore } from '../../../src/store/memory.js';
import type { AnalysisRecord, PruneOptions, Store } from '../../../src/store/types.js';
import { FAILING, HEALTHY, metricValue, MINUTE, T0, TARGET, testDaemon, type TestDaemon } from './daemon-fixtures.js';

const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

async function createDrive(t: TestDaemon): Promise<string> {
  const view = await t.daemon.service.create({ template: 'web', args: { service: 'checkout' }, mode: 'drive', adapter: 'deployer', target: TARGET });
  await t.daemon.idle();
  return view.id;
}

/** Creates an analysis and lets its first tick abort it. */
async function createAborted(t: TestDaemon): Promise<string> {
  t.source.values = FAILING;
  const id = await createDrive(t);
  await t.scheduler.advance(MINUTE);
  await t.daemon.idle();
  expect((await t.daemon.service.get(id)).phase).toBe('aborted');
  t.source.values = HEALTHY;
  return id;
}

function prunedCounts(t: TestDaemon): unknown[] {
  return t.log
    .entries()
    .filter((entry) => typeof entry['msg'] === 'string' && entry['msg'].startsWith('pruned'))
    .map((entry) => entry['pruned']);
}

describe('daemon: store retention sweep', () => {
  it('hourly, deletes the analyses that ended more than the retention ago, keeps the rest, and logs how many', async () => {
    const t = testDaemon({ storeRetentionMs: DAY });
    await t.daemon.start();
    expect(t.scheduler.cronExpression(STORE_RETENTION_KEY)).toBe('0 * * * *');

    const old = await createAborted(t);
    const paused = await createDrive(t);
    await t.daemon.service.act(paused, { action: 'pause', actor: 'bob', reason: 'incident' });

    await t.scheduler.runCron(STORE_RETENTION_KEY);
    expect(await t.store.getAnalysis(old)).not.toBeNull(); // ended a minute ago

    await t.scheduler.advance(DAY);
    const recent = await createAborted(t);
    expect(await metricValue(t.registry, 'canaryd_analyses', { phase: 'aborted' })).toBe(2);
    await t.scheduler.runCron(STORE_RETENTION_KEY);

    expect(await t.store.getAnalysis(old)).toBeNull();
    expect(await t.store.listEvents(old)).toEqual([]);
    expect(await t.store.callsFor(old)).toEqual([]);
    await expect(t.daemon.service.get(old)).rejects.toMatchObject({ code: 'not-found' });
    expect((await t.store.listAnalyses()).map((record) => record.id)).toEqual([paused, recent]);
    expect((await t.daemon.service.get(paused)).phase).toBe('paused');
    expect(await metricValue(t.registry, 'canaryd_analyses', { phase: 'aborted' })).toBe(1);
    expect(prunedCounts(t)).toEqual([0, 1]);
    expect(t.log.entries().find((entry) => entry['pruned'] === 1)).toMatchObject({ olderThan: new Date(T0 + 2 * MINUTE).toISOString() });
  });

  it('has no store sweep without a retention', async () => {
    const t = testDaemon();
    await t.daemon.start();
    expect(t.scheduler.has(STORE_RETENTION_KEY)).toBe(false);
    expect(t.scheduler.has('metrics-retention')).toBe(true);
  });

  it('deletes a large backlog in batches of PRUNE_BATCH_SIZE', async () => {
    const clock = new ManualClock(T0);
    const memory = createMemoryStore({ now: () => clock.now() });
    const batches: number[] = [];
    const store: Store = {
      ...memory,
      async pruneEnded(olderThan: string, options?: PruneOptions) {
        const ids = await memory.pruneEnded(olderThan, options);
        batches.push(ids.length);
        return ids;
      },
    };
    const ended = (id: string): AnalysisRecord => ({
      id,
      template: 'web',
      args: { service: 'checkout' },
      mode: 'observe',
      adapter: null,
      target: TARGET,
      state: { phase: 'succeeded', stepIndex: 2, startedAt: T0, stepStartedAt: T0, consecutiveErrors: {}, lastVerdict: null, decidedAt: T0, decidedBy: null },
      judgeMemory: {},
      createdAt: new Date(T0).toISOString(),
      updatedAt: new Date(T0).toISOString(),
      version: 1,
    });
    const total = 2 * PRUNE_BATCH_SIZE + 7;
    for (let i = 0; i < total; i += 1) await memory.createAnalysis(ended(`a${i}`), [{ type: 'created', at: new Date(T0).toISOString(), payload: {} }], []);

    const t = testDaemon({ store, clock, storeRetentionMs: HOUR });
    await t.daemon.start();
    clock.advance(HOUR + 1);
    await t.scheduler.runCron(STORE_RETENTION_KEY);

    expect(batches).toEqual([PRUNE_BATCH_SIZE, PRUNE_BATCH_SIZE, 7]);
    expect(await memory.listAnalyses()).toEqual([]);
    expect(prunedCounts(t)).toEqual([total]);
    expect(await metricValue(t.registry, 'canaryd_analyses', { phase: 'succeeded' })).toBe(0);
  });

  it('a failing store is reported as a failed job, not thrown at the scheduler', async () => {
    const memory = createMemoryStore();
    const store: Store = {
      ...memory,
      async pruneEnded() {
        throw new DomainError('store-unavailable', 'disk says no');
      },
    };
    const t = testDaemon({ store, storeRetentionMs: HOUR });
    await t.daemon.start();
    await t.scheduler.runCron(STORE_RETENTION_KEY);
    expect(t.scheduler.errors).toMatchObject([{ key: STORE_RETENTION_KEY, error: { code: 'store-unavailable' } }]);
  });
});
