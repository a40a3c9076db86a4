import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { DomainError } from '../../../src/analysis/errors.js';
import type { VerdictView } from '../../../src/daemon/service-types.js';
import { VerdictCache } from '../../../src/daemon/verdict-cache.js';
import { applyVerdictNotice, remoteServices, VERDICT_FORGOTTEN, VERDICT_WRITTEN } from '../../../src/thread/remote-services.js';
import { postNotice, RpcClient, serveRpc } from '../../../src/thread/rpc.js';

const opened: MessagePort[] = [];
afterEach(() => {
  for (const port of opened.splice(0)) port.close();
});

function view(step: number): VerdictView {
  return { verdict: 'continue', phase: 'running', step, weight: 10 * (step + 1), rule: null, reason: `step ${step}`, evidenceHash: null, at: null };
}

/** The worker's side: one analysis whose version a test bumps, as a tick's commit would (notice before and after). */
function workerSide(port: MessagePort) {
  const state = { version: 1, step: 0, reads: 0 };
  const service = {
    async versionedVerdict(id: string) {
      if (id !== 'a1') throw new DomainError('not-found', `analysis ${id} does not exist`, 'id');
      state.reads++;
      return { view: view(state.step), version: state.version };
    },
  };
  serveRpc(port, (name) => (name === 'service' ? service : undefined));
  return {
    state,
    commit(): void {
      const next = state.version + 1;
      postNotice(port, VERDICT_WRITTEN, { id: 'a1', version: next });
      state.version = next;
      state.step++;
      postNotice(port, VERDICT_WRITTEN, { id: 'a1', version: next });
    },
    prune(): void {
      postNotice(port, VERDICT_FORGOTTEN, { id: 'a1' });
    },
  };
}

function setUp(cache: VerdictCache | undefined) {
  const { port1, port2 } = new MessageChannel();
  opened.push(port1, port2);
  const worker = workerSide(port2);
  const client = new RpcClient(port1, (notice) => {
    if (cache !== undefined) applyVerdictNotice(cache, notice);
  });
  // Any answer comes after the notices posted before it: one round trip delivers them.
  const deliverNotices = (): Promise<unknown> => client.call('service', 'versionedVerdict', ['none']).catch(() => undefined);
  return { worker, services: remoteServices(client, cache), deliverNotices };
}

const serialize = (verdict: VerdictView): string => JSON.stringify(verdict);

describe('the HTTP thread’s verdict cache', () => {
  it('answers repeated polls from the cache and reads the worker again after it wrote the analysis', async () => {
    const { worker, services, deliverNotices } = setUp(new VerdictCache());
    const body = (): Promise<string> => services.service.verdictBody?.('a1', serialize) ?? Promise.reject(new Error('no verdictBody'));
    expect(JSON.parse(await body()).step).toBe(0);
    expect(JSON.parse(await body()).step).toBe(0);
    expect(worker.state.reads).toBe(1);

    worker.commit();
    await deliverNotices();
    expect(JSON.parse(await body()).step).toBe(1);
    expect(worker.state.reads).toBe(2);
    expect(JSON.parse(await body()).step).toBe(1);
    expect(worker.state.reads).toBe(2);
  });

  it('never keeps a body older than a write it was told of', () => {
    const cache = new VerdictCache();
    applyVerdictNotice(cache, { kind: 'notice', name: VERDICT_WRITTEN, data: { id: 'a1', version: 3 } });
    cache.put('a1', 2, 'old');
    expect(cache.get('a1')).toBeUndefined();
    cache.put('a1', 3, 'new');
    expect(cache.get('a1')).toBe('new');
    applyVerdictNotice(cache, { kind: 'notice', name: VERDICT_FORGOTTEN, data: { id: 'a1' } });
    expect(cache.size).toBe(0);
  });

  it('forgets a pruned analysis', async () => {
    const cache = new VerdictCache();
    const { worker, services, deliverNotices } = setUp(cache);
    await services.service.verdictBody?.('a1', serialize);
    expect(cache.size).toBe(1);
    worker.prune();
    await deliverNotices();
    expect(cache.size).toBe(0);
  });

  it('reads the worker on every poll without a cache (replicas share the store)', async () => {
    const { worker, services } = setUp(undefined);
    await services.service.verdictBody?.('a1', serialize);
    await services.service.verdictBody?.('a1', serialize);
    expect(worker.state.reads).toBe(2);
  });

  it('passes the worker’s not-found through as a DomainError', async () => {
    const { services } = setUp(new VerdictCache());
    const error = await services.service.verdictBody?.('nope', serialize).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'not-found', field: 'id' });
  });
});
