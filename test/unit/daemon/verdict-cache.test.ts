// The verdict route answers a cached body per analysis version: polls between two writes read
// the store once, and every write (tick, decision, manual action) is seen by the next poll.

import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { VerdictCache, observeWrites } from '../../../src/daemon/verdict-cache.js';
import { buildServer } from '../../../src/http/server.js';
import { createMemoryStore } from '../../../src/store/memory.js';
import type { Store } from '../../../src/store/types.js';
import { FAILING, MINUTE, T0, TARGET, testDaemon } from './daemon-fixtures.js';
import { ManualClock } from '../../../src/daemon/clock.js';
import { makeRecord } from '../../integration/store-contract.js';

/** A memory store that counts reads of one analysis. */
function countingStore(clock: ManualClock): { store: Store; reads: () => number } {
  const inner = createMemoryStore({ now: () => clock.now() });
  let reads = 0;
  const store: Store = {
    ...inner,
    async getAnalysis(id) {
      reads += 1;
      return inner.getAnalysis(id);
    },
  };
  return { store, reads: () => reads };
}

let server: FastifyInstance | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('verdict cache', () => {
  it('serves polls between two writes from one read, and every commit changes the next answer', async () => {
    const clock = new ManualClock(T0);
    const counted = countingStore(clock);
    const t = testDaemon({ clock, store: counted.store });
    await t.daemon.start();
    server = await buildServer({ service: t.daemon.service, metrics: async () => ({ contentType: 'text/plain', body: '' }) });
    const view = await t.daemon.service.create({ template: 'web', args: { service: 'checkout' }, mode: 'drive', adapter: 'deployer', target: TARGET });
    await t.daemon.idle();
    const poll = async (): Promise<{ verdict: string; rule: { id: string } | null; phase: string; step: number }> => {
      const response = await server?.inject({ method: 'GET', url: `/v1/analyses/${view.id}/verdict` });
      expect(response?.statusCode).toBe(200);
      expect(response?.headers['content-type']).toBe('application/json; charset=utf-8');
      return response?.json() as { verdict: string; rule: { id: string } | null; phase: string; step: number };
    };

    expect((await poll()).verdict).toBe('continue');
    const readsAfterFirst = counted.reads();
    for (let i = 0; i < 5; i += 1) expect((await poll()).verdict).toBe('continue');
    expect(counted.reads()).toBe(readsAfterFirst);

    // A tick commits: the next poll sees it.
    await t.scheduler.advance(MINUTE);
    expect(await poll()).toMatchObject({ verdict: 'continue', rule: { id: 'healthy' }, step: 0 });
    // Two more ticks: minDuration has passed, the promote advances the step.
    await t.scheduler.advance(2 * MINUTE);
    await t.daemon.idle();
    expect(await poll()).toMatchObject({ step: 1 });
    // A manual action commits: paused answers hold.
    await t.daemon.service.act(view.id, { action: 'pause', reason: 'look', actor: 'alice' });
    expect(await poll()).toMatchObject({ verdict: 'hold', phase: 'paused' });
    await t.daemon.service.act(view.id, { action: 'resume', reason: 'ok', actor: 'alice' });
    await t.daemon.idle();
    t.source.values = FAILING;
    await t.scheduler.advance(MINUTE);
    await t.daemon.idle();
    expect(await poll()).toMatchObject({ verdict: 'abort', phase: 'aborted', rule: { id: 'error-spike' } });
    await t.daemon.stop();
  });

  it('with cacheVerdicts false (a store other replicas write), every poll reads the store', async () => {
    const clock = new ManualClock(T0);
    const counted = countingStore(clock);
    const t = testDaemon({ clock, store: counted.store, cacheVerdicts: false });
    await t.daemon.start();
    server = await buildServer({ service: t.daemon.service, metrics: async () => ({ contentType: 'text/plain', body: '' }) });
    const view = await t.daemon.service.create({ template: 'web', args: { service: 'checkout' }, mode: 'observe', target: TARGET });
    const before = counted.reads();
    for (let i = 0; i < 3; i += 1) expect((await server.inject({ method: 'GET', url: `/v1/analyses/${view.id}/verdict` })).statusCode).toBe(200);
    expect(counted.reads()).toBe(before + 3);
    await t.daemon.stop();
  });

  it('a read that started before a write never puts its older body back', async () => {
    const cache = new VerdictCache();
    const store = observeWrites(createMemoryStore(), cache);
    await store.createAnalysis(makeRecord('a'), [], []);
    cache.put('a', 1, 'v1');
    expect(cache.get('a')).toBe('v1');
    await store.commitTransition(makeRecord('a', { version: 2 }), [], []);
    expect(cache.get('a')).toBeUndefined();
    // The slow read of version 1 finishes now: refused, version 2 was written.
    cache.put('a', 1, 'v1 (stale)');
    expect(cache.get('a')).toBeUndefined();
    cache.put('a', 2, 'v2');
    expect(cache.get('a')).toBe('v2');
    // Other methods pass through to the store.
    expect((await store.getAnalysis('a'))?.version).toBe(2);
  });
});
