// A release rollback's adapter call goes through the recorded-call machinery: a call recorded but
// not answered before a restart is made again after it, with the same idempotency key, once.

import { describe, expect, it } from 'vitest';
import { FakeAdapter, TARGET, testDaemon } from './daemon-fixtures.js';

describe('release rollback across a restart', () => {
  it('re-makes a pending rollback call with the same key after a restart, then reports it done', async () => {
    const first = testDaemon();
    await first.daemon.start();
    const create = (version: string) =>
      first.daemon.service.create({ template: 'web', args: { service: 'checkout' }, mode: 'drive', adapter: 'deployer', target: { ...TARGET, version } });
    await create('v1');
    const latest = await create('v2');
    await first.daemon.idle();
    // The deployer takes the call and never answers: the process "dies" with the call recorded as pending.
    first.adapter.hang = (request) => request.toVersion !== undefined;
    const rollback = await first.daemon.releases.rollback({ service: 'checkout', environment: 'prod', toVersion: 'v1', reason: 'bad v2' }, null);
    await new Promise((resolve) => setImmediate(resolve));
    const sent = first.adapter.requests.filter((request) => request.toVersion !== undefined);
    expect(sent).toHaveLength(1);
    expect((await first.store.pendingCalls()).map((call) => call.idempotencyKey)).toEqual([sent[0]?.idempotencyKey]);

    const adapter = new FakeAdapter();
    const second = testDaemon({ store: first.store, clock: first.clock, adapter });
    const summary = await second.daemon.start();
    expect(summary.retriedCalls).toBe(1);
    await second.daemon.idle();
    expect(adapter.requests).toEqual([sent[0]]);
    expect(await first.store.pendingCalls()).toEqual([]);
    const record = await second.daemon.releases.get(latest.id);
    expect(record.rollbacks).toEqual([{ ...rollback, status: 'done' }]);
  });
});
