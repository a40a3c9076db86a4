import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/daemon/clock.js';
import { tickKey } from '../../../src/daemon/context.js';
import { createMemoryStore } from '../../../src/store/memory.js';
import { verifyEventChain } from '../../../src/store/types.js';
import { FakeAdapter, MINUTE, T0, TARGET, testDaemon } from './daemon-fixtures.js';

const DRIVE = { template: 'web', args: { service: 'checkout' }, mode: 'drive' as const, adapter: 'deployer', target: TARGET };

/** A first daemon that "crashes" while its adapter call for weight 50 is in flight. */
async function crashedMidCall() {
  const clock = new ManualClock(T0);
  const store = createMemoryStore({ now: () => clock.now() });
  const first = testDaemon({ store, clock });
  first.adapter.hang = (request) => request.weight === 50;
  await first.daemon.start();
  const { id } = await first.daemon.service.create(DRIVE);
  await first.daemon.idle();
  await first.scheduler.advance(2 * MINUTE, { awaitRuns: false });
  // The decision to promote is committed; its call was made but never answered. The process dies here.
  const pending = await store.pendingCalls();
  expect(pending.map((call) => call.request.action)).toEqual(['set-weight']);
  return { clock, store, first, id, pending };
}

describe('recovery', () => {
  it('re-makes a call recorded but not done with the same key, and resumes ticking aligned to the start', async () => {
    const { clock, store, first, id, pending } = await crashedMidCall();
    clock.advance(30_000); // restarted at T0 + 2m30s
    const second = testDaemon({ store, clock, adapter: new FakeAdapter() });
    const summary = await second.daemon.start();
    await second.daemon.idle();

    expect(summary).toMatchObject({ resumed: 1, retriedCalls: 1, orphaned: [] });
    expect(second.adapter.requests).toEqual([pending[0]?.request]);
    expect(second.adapter.requests[0]?.idempotencyKey).toBe(first.adapter.requests[1]?.idempotencyKey);
    expect(await store.pendingCalls()).toEqual([]);
    expect(second.scheduler.nextAt(tickKey(id))).toBe(T0 + 3 * MINUTE);

    await second.scheduler.advance(10 * MINUTE);
    await second.daemon.idle();
    expect((await second.daemon.service.get(id)).phase).toBe('succeeded');
    // Every decision's call succeeded exactly once across both processes.
    const succeededKeys = [...first.adapter.succeeded, ...second.adapter.succeeded].map((request) => request.idempotencyKey);
    expect(new Set(succeededKeys).size).toBe(succeededKeys.length);
    expect([...first.adapter.succeeded, ...second.adapter.succeeded].map((r) => `${r.action}:${r.weight}`)).toEqual([
      'set-weight:10',
      'set-weight:50',
      'set-weight:100',
      'complete:100',
    ]);
    expect(verifyEventChain(await store.listEvents(id))).toEqual({ ok: true });
    // The promote decision was not taken again after the restart.
    const decisions = (await store.listEvents(id)).filter((event) => event.type === 'decision');
    expect(decisions.map((event) => `${String(event.payload['decision'])}:${String(event.payload['step'])}`)).toEqual(['promote:1', 'promote:2', 'complete:2']);
  });

  it('pauses with adapter-failed when the re-made call fails', async () => {
    const { clock, store, id } = await crashedMidCall();
    const adapter = new FakeAdapter();
    adapter.fail = () => true;
    const second = testDaemon({ store, clock, adapter });
    await second.daemon.start();
    await second.daemon.idle();
    const view = await second.daemon.service.get(id);
    expect(view).toMatchObject({ phase: 'paused', lastVerdict: { rule: { id: 'adapter-failed' } } });
    expect((await store.callsFor(id)).map((call) => call.status)).toEqual(['done', 'failed']);
  });

  it('does not re-make calls already done, and leaves ended analyses unscheduled', async () => {
    const clock = new ManualClock(T0);
    const store = createMemoryStore({ now: () => clock.now() });
    const first = testDaemon({ store, clock });
    await first.daemon.start();
    const ended = await first.daemon.service.create(DRIVE);
    await first.daemon.service.act(ended.id, { action: 'abort', actor: 'alice', reason: '' });
    const running = await first.daemon.service.create(DRIVE);
    await first.daemon.idle();
    expect(first.adapter.requests).toHaveLength(3);

    const second = testDaemon({ store, clock, adapter: new FakeAdapter() });
    const summary = await second.daemon.start();
    await second.daemon.idle();
    expect(second.adapter.requests).toEqual([]);
    expect(summary).toMatchObject({ resumed: 1, retriedCalls: 0 });
    expect(second.scheduler.keys()).toEqual([tickKey(running.id)]);
    expect(second.daemon.context.metrics.trackedAnalyses()).toEqual([running.id]);
  });
});
