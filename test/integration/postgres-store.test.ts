// The PostgreSQL store on a real PostgreSQL server (initdb in a temp dir, a free loopback port):
// the same contract suites as SQLite and memory, then what only a shared server has — two stores
// (replicas) on one database, an outage and its end, migrations, and a password kept out of errors.

import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres/postgres-store.js';
import { SCHEMA_VERSION } from '../../src/store/postgres/schema.js';
import { verifyEventChain, type Store } from '../../src/store/types.js';
import { startPostgres, type RunningPostgres } from '../helpers/postgres.js';
import { FIXED_NOW, makeCall, makeRecord, makeState, runStoreContract } from './store-contract.js';
import { runStoreControlContract } from './store-control-contract.js';
import { runStorePruneContract } from './store-prune-contract.js';
import { runStoreReleaseContract } from './store-release-contract.js';

let server: RunningPostgres;
const opened: Store[] = [];

beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await server?.stop();
});
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
});

function openAt(url: string): Store {
  const store = openPostgresStore(url, { now: () => FIXED_NOW, pool: { max: 4, connectionTimeoutMs: 2_000 } });
  opened.push(store);
  return store;
}

async function freshStore(): Promise<Store> {
  return openAt(await server.createDatabase());
}

runStoreContract('postgres', freshStore);
runStorePruneContract('postgres', freshStore);
runStoreControlContract('postgres', freshStore);
runStoreReleaseContract('postgres', freshStore);

const created = { type: 'created', at: '2025-03-01T12:00:00.000Z', payload: { template: 'http-service' } };
const promoted = (step: number) => ({ type: 'promoted', at: '2025-03-01T12:10:00.000Z', payload: { step, rule: 'healthy' } });

describe('PostgreSQL store on a real server', () => {
  it('records its schema version and refuses to change or delete events of a live analysis', async () => {
    const url = await server.createDatabase();
    const store = openAt(url);
    await store.createAnalysis(makeRecord('a1'), [created], []);
    const raw = new pg.Client({ connectionString: url });
    await raw.connect();
    try {
      expect((await raw.query('SELECT version FROM schema_version')).rows).toEqual([{ version: SCHEMA_VERSION }]);
      await expect(raw.query("UPDATE events SET type = 'x' WHERE analysis_id = 'a1'")).rejects.toThrow(/append-only/);
      await expect(raw.query("DELETE FROM events WHERE analysis_id = 'a1'")).rejects.toThrow(/append-only/);
    } finally {
      await raw.end();
    }
  });

  it('two stores on one database (two replicas) share state, chain and call keys, and agree on versions', async () => {
    const url = await server.createDatabase();
    const [first, second] = [openAt(url), openAt(url)] as const;
    await first.createAnalysis(makeRecord('a1'), [created], [makeCall('a1', 0, 'set-weight')]);
    await second.commitTransition(makeRecord('a1', { version: 2, state: makeState('running', 1) }), [promoted(1)], [makeCall('a1', 1, 'set-weight')]);
    // The same decision retried by the other replica records no second call.
    await first.commitTransition(makeRecord('a1', { version: 3, state: makeState('running', 1) }), [], [makeCall('a1', 1, 'set-weight')]);
    await expect(second.commitTransition(makeRecord('a1', { version: 3 }), [], [])).rejects.toMatchObject({ code: 'conflict' });
    expect((await second.callsFor('a1')).map((call) => call.idempotencyKey)).toEqual([
      makeCall('a1', 0, 'set-weight').idempotencyKey,
      makeCall('a1', 1, 'set-weight').idempotencyKey,
    ]);
    expect(verifyEventChain(await first.listEvents('a1'))).toEqual({ ok: true });
    await expect(second.createAnalysis(makeRecord('a1'), [created], [])).rejects.toMatchObject({ code: 'conflict' });
  });

  it('concurrent transitions of one analysis from two replicas: exactly one wins, the chain stays whole', async () => {
    const url = await server.createDatabase();
    const [first, second] = [openAt(url), openAt(url)] as const;
    await first.createAnalysis(makeRecord('a1'), [created], []);
    const results = await Promise.allSettled([
      first.commitTransition(makeRecord('a1', { version: 2 }), [promoted(1)], []),
      second.commitTransition(makeRecord('a1', { version: 2 }), [promoted(2)], []),
    ]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((result) => result.status === 'rejected');
    expect(rejected?.status === 'rejected' ? rejected.reason : null).toMatchObject({ code: 'conflict' });
    const events = await first.listEvents('a1');
    expect(events).toHaveLength(2);
    expect(verifyEventChain(events)).toEqual({ ok: true });
  });

  it('an outage fails operations as store-unavailable without the password, and the store works again once the server is back', async () => {
    const url = await server.createDatabase();
    const store = openAt(url);
    await store.createAnalysis(makeRecord('a1'), [created], []);
    await server.pause();
    try {
      const failure = store.commitTransition(makeRecord('a1', { version: 2 }), [promoted(1)], []);
      await expect(failure).rejects.toMatchObject({ code: 'store-unavailable' });
      const message = await failure.catch((error: Error) => error.message);
      expect(message).toMatch(/PostgreSQL store at postgres:\/\/canaryd@127\.0\.0\.1:\d+\//);
      expect(message).not.toContain(server.password);
    } finally {
      await server.resume();
    }
    // Nothing of the failed transition was written; the next one goes through.
    expect((await store.getAnalysis('a1'))?.version).toBe(1);
    await store.commitTransition(makeRecord('a1', { version: 2 }), [promoted(1)], []);
    expect((await store.listEvents('a1')).map((event) => event.type)).toEqual(['created', 'promoted']);
  });

  it('a wrong password or a server that is not there: store-unavailable naming the server, never the password', async () => {
    const wrong = `postgres://canaryd:not-the-${server.password}@127.0.0.1:${server.port}/postgres`;
    const refused = openAt(wrong).listAnalyses();
    await expect(refused).rejects.toMatchObject({ code: 'store-unavailable' });
    const message = await refused.catch((error: Error) => error.message);
    expect(message).toMatch(/password authentication failed/);
    expect(message).not.toContain(server.password);

    const nobody = openAt(`postgres://canaryd:${server.password}@127.0.0.1:1/postgres`).getAnalysis('a1');
    await expect(nobody).rejects.toMatchObject({ code: 'store-unavailable' });
    expect(await nobody.catch((error: Error) => error.message)).not.toContain(server.password);
  });
});
