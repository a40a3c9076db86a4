// Leases and fencing of the PostgreSQL store on a real server: replicas share the analyses fairly,
// a dead replica's leases are taken over once they expire (with a larger token), and a write that
// carries a stale token is refused inside its transaction, leaving nothing behind.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { LeaseStore, Store } from '../../src/store/types.js';
import { startPostgres, type RunningPostgres } from '../helpers/postgres.js';
import { FIXED_NOW, makeCall, makeRecord, makeState } from './store-contract.js';

const TTL = 10_000;
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

async function twoReplicas(): Promise<{ a: Store; b: Store; leasesA: LeaseStore; leasesB: LeaseStore }> {
  const url = await server.createDatabase();
  const a = openPostgresStore(url, { now: () => FIXED_NOW });
  const b = openPostgresStore(url, { now: () => FIXED_NOW });
  opened.push(a, b);
  if (a.leases === undefined || b.leases === undefined) throw new Error('the PostgreSQL store has leases');
  return { a, b, leasesA: a.leases, leasesB: b.leases };
}

const created = { type: 'created', at: '2025-03-01T12:00:00.000Z', payload: {} };
const ids = (grants: { analysisId: string }[]) => grants.map((grant) => grant.analysisId).sort();

describe('PostgreSQL leases', () => {
  it('two live replicas share the active analyses; ended ones are never leased', async () => {
    const { a, leasesA, leasesB } = await twoReplicas();
    // Both alive (a heartbeat each) before the analyses exist.
    expect(await leasesA.heartbeat('A', 0, TTL)).toEqual([]);
    expect(await leasesB.heartbeat('B', 0, TTL)).toEqual([]);
    for (const id of ['a1', 'a2', 'a3', 'a4']) await a.createAnalysis(makeRecord(id), [created], []);
    await a.createAnalysis(makeRecord('done', { state: makeState('succeeded') }), [created], []);
    const heldByA = ids(await leasesA.heartbeat('A', 1, TTL));
    const heldByB = ids(await leasesB.heartbeat('B', 1, TTL));
    expect(heldByA).toHaveLength(2);
    expect([...heldByA, ...heldByB].sort()).toEqual(['a1', 'a2', 'a3', 'a4']);
    // Renewing keeps the same ones.
    expect(ids(await leasesA.heartbeat('A', 2, TTL))).toEqual(heldByA);
  });

  it("a newly created analysis goes to the replica under its share; a dead replica's leases are taken over after the ttl with a larger token", async () => {
    const { a, leasesA, leasesB } = await twoReplicas();
    await leasesA.heartbeat('A', 0, TTL);
    await leasesB.heartbeat('B', 0, TTL);
    for (const id of ['a1', 'a2']) await a.createAnalysis(makeRecord(id), [created], []);
    const heldByA = await leasesA.heartbeat('A', 1_000, TTL);
    const heldByB = await leasesB.heartbeat('B', 1_000, TTL);
    expect(heldByA).toHaveLength(1);
    expect(heldByB).toHaveLength(1);
    const [lost] = heldByA;
    if (lost === undefined) throw new Error('A holds one');
    // A stops renewing (kill -9). Before its lease expires, B cannot take it.
    expect(ids(await leasesB.heartbeat('B', 10_999, TTL))).toEqual(ids(heldByB));
    const after = await leasesB.heartbeat('B', 11_000, TTL);
    expect(ids(after)).toEqual(['a1', 'a2']);
    const taken = after.find((grant) => grant.analysisId === lost.analysisId);
    expect(taken?.token).toBeGreaterThan(lost.token);
    // The old holder comes back: it holds nothing any more.
    expect(await leasesA.heartbeat('A', 12_000, TTL)).toEqual([]);
  });

  it('a write with a stale fencing token is refused with lease-lost and changes nothing; the current holder writes', async () => {
    const { a, b, leasesA, leasesB } = await twoReplicas();
    await a.createAnalysis(makeRecord('a1'), [created], [makeCall('a1', 0, 'set-weight')]);
    const [old] = await leasesA.heartbeat('A', 0, TTL);
    if (old === undefined) throw new Error('A holds a1');
    const [current] = await leasesB.heartbeat('B', 20_000, TTL);
    if (current === undefined) throw new Error('B took a1 over');

    const stale = a.commitTransition(makeRecord('a1', { version: 2, state: makeState('aborted') }), [created], [makeCall('a1', 0, 'rollback')], {
      fence: { owner: 'A', token: old.token },
    });
    await expect(stale).rejects.toMatchObject({ code: 'lease-lost' });
    expect((await b.getAnalysis('a1'))?.version).toBe(1);
    expect(await b.listEvents('a1')).toHaveLength(1);
    expect((await b.callsFor('a1')).map((call) => call.request.action)).toEqual(['set-weight']);

    const [call] = await b.pendingCalls();
    if (call === undefined) throw new Error('a pending call');
    await expect(a.markCallDone(call.id, { ok: true, attempts: 1 }, { fence: { owner: 'A', token: old.token } })).rejects.toMatchObject({ code: 'lease-lost' });
    await b.markCallDone(call.id, { ok: true, attempts: 1 }, { fence: { owner: 'B', token: current.token } });
    await b.commitTransition(makeRecord('a1', { version: 2, state: makeState('running', 1) }), [], [], { fence: { owner: 'B', token: current.token } });
    expect((await a.getAnalysis('a1'))?.version).toBe(2);
  });

  it('release gives every lease back at once; the other replica claims them at its next heartbeat', async () => {
    const { a, leasesA, leasesB } = await twoReplicas();
    for (const id of ['a1', 'a2']) await a.createAnalysis(makeRecord(id), [created], []);
    expect(await leasesA.heartbeat('A', 0, TTL)).toHaveLength(2);
    await leasesA.release('A');
    expect(ids(await leasesB.heartbeat('B', 1, TTL))).toEqual(['a1', 'a2']);
  });

  it("an analysis that ended with a call still pending keeps a holder until the call is made; a dead holder's lease passes on", async () => {
    const { a, leasesA, leasesB } = await twoReplicas();
    await a.createAnalysis(makeRecord('a1'), [created], []);
    const [lease] = await leasesA.heartbeat('A', 0, TTL);
    if (lease === undefined) throw new Error('A holds a1');
    // A decides to abort (its rollback recorded), then dies before making the call.
    await a.commitTransition(makeRecord('a1', { version: 2, state: makeState('aborted') }), [], [makeCall('a1', 0, 'rollback')], {
      fence: { owner: 'A', token: lease.token },
    });
    const [taken] = await leasesB.heartbeat('B', 20_000, TTL);
    expect(taken?.analysisId).toBe('a1');
    expect(taken?.token).toBeGreaterThan(lease.token);
    const [rollback] = await a.pendingCalls();
    if (rollback === undefined || taken === undefined) throw new Error('the rollback is pending');
    // Held as long as the call is pending; released once it is done.
    expect(ids(await leasesB.heartbeat('B', 21_000, TTL))).toEqual(['a1']);
    await a.markCallDone(rollback.id, { ok: true, attempts: 1 }, { fence: { owner: 'B', token: taken.token } });
    expect(await leasesB.heartbeat('B', 22_000, TTL)).toEqual([]);
    expect(await leasesA.heartbeat('A', 22_000, TTL)).toEqual([]);
  });
});
