// Leases and fencing of the PostgreSQL store on a real server: replicas share the analyses fairly,
// a dead replica's leases are taken over once they expire (with a larger token), and a write that
// carries a stale token is refused inside its transaction, leaving nothing behind.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { LeaseGrant, LeaseStore, Store } from '../../src/store/types.js';
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
/** One heartbeat of `owner`: what it holds after it. */
const beat = async (leases: LeaseStore, owner: string, now: number): Promise<LeaseGrant[]> => (await leases.heartbeat(owner, now, TTL)).grants;

describe('PostgreSQL leases', () => {
  it('two live replicas share the active analyses; ended ones are never leased', async () => {
    const { a, leasesA, leasesB } = await twoReplicas();
    // Both alive (a heartbeat each) before the analyses exist.
    expect(await beat(leasesA, 'A', 0)).toEqual([]);
    expect(await beat(leasesB, 'B', 0)).toEqual([]);
    for (const id of ['a1', 'a2', 'a3', 'a4']) await a.createAnalysis(makeRecord(id), [created], []);
    await a.createAnalysis(makeRecord('done', { state: makeState('succeeded') }), [created], []);
    const heldByA = ids(await beat(leasesA, 'A', 1));
    const heldByB = ids(await beat(leasesB, 'B', 1));
    expect(heldByA).toHaveLength(2);
    expect([...heldByA, ...heldByB].sort()).toEqual(['a1', 'a2', 'a3', 'a4']);
    // Renewing keeps the same ones.
    expect(ids(await beat(leasesA, 'A', 2))).toEqual(heldByA);
  });

  it("a newly created analysis goes to the replica under its share; a dead replica's leases are taken over after the ttl with a larger token", async () => {
    const { a, leasesA, leasesB } = await twoReplicas();
    await beat(leasesA, 'A', 0);
    await beat(leasesB, 'B', 0);
    for (const id of ['a1', 'a2']) await a.createAnalysis(makeRecord(id), [created], []);
    const heldByA = await beat(leasesA, 'A', 1_000);
    const heldByB = await beat(leasesB, 'B', 1_000);
    expect(heldByA).toHaveLength(1);
    expect(heldByB).toHaveLength(1);
    const [lost] = heldByA;
    if (lost === undefined) throw new Error('A holds one');
    // A stops renewing (kill -9). Before its lease expires, B cannot take it.
    expect(ids(await beat(leasesB, 'B', 10_999))).toEqual(ids(heldByB));
    const after = await beat(leasesB, 'B', 11_000);
    expect(ids(after)).toEqual(['a1', 'a2']);
    const taken = after.find((grant) => grant.analysisId === lost.analysisId);
    expect(taken?.token).toBeGreaterThan(lost.token);
    // The old holder comes back: it holds nothing any more.
    expect(await beat(leasesA, 'A', 12_000)).toEqual([]);
  });

  it('a write with a stale fencing token is refused with lease-lost and changes nothing; the current holder writes', async () => {
    const { a, b, leasesA, leasesB } = await twoReplicas();
    await a.createAnalysis(makeRecord('a1'), [created], [makeCall('a1', 0, 'set-weight')]);
    const [old] = await beat(leasesA, 'A', 0);
    if (old === undefined) throw new Error('A holds a1');
    const [current] = await beat(leasesB, 'B', 20_000);
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
    expect(await beat(leasesA, 'A', 0)).toHaveLength(2);
    await leasesA.release('A');
    expect(ids(await beat(leasesB, 'B', 1))).toEqual(['a1', 'a2']);
  });

  it("an analysis that ended with a call still pending keeps a holder until the call is made; a dead holder's lease passes on", async () => {
    const { a, leasesA, leasesB } = await twoReplicas();
    await a.createAnalysis(makeRecord('a1'), [created], []);
    const [lease] = await beat(leasesA, 'A', 0);
    if (lease === undefined) throw new Error('A holds a1');
    // A decides to abort (its rollback recorded), then dies before making the call.
    await a.commitTransition(makeRecord('a1', { version: 2, state: makeState('aborted') }), [], [makeCall('a1', 0, 'rollback')], {
      fence: { owner: 'A', token: lease.token },
    });
    const [taken] = await beat(leasesB, 'B', 20_000);
    expect(taken?.analysisId).toBe('a1');
    expect(taken?.token).toBeGreaterThan(lease.token);
    const [rollback] = await a.pendingCalls();
    if (rollback === undefined || taken === undefined) throw new Error('the rollback is pending');
    // Held as long as the call is pending; released once it is done.
    expect(ids(await beat(leasesB, 'B', 21_000))).toEqual(['a1']);
    await a.markCallDone(rollback.id, { ok: true, attempts: 1 }, { fence: { owner: 'B', token: taken.token } });
    expect(await beat(leasesB, 'B', 22_000)).toEqual([]);
    expect(await beat(leasesA, 'A', 22_000)).toEqual([]);
  });

  it('gives its share as analyses needing a holder / live replicas, rounded up; handBack frees only matching leases', async () => {
    const { a, leasesA, leasesB } = await twoReplicas();
    for (const id of ['a1', 'a2', 'a3', 'a4', 'a5']) await a.createAnalysis(makeRecord(id), [created], []);
    // A alone holds all five; B joins and finds nothing free.
    const alone = await leasesA.heartbeat('A', 0, TTL);
    expect(alone.share).toBe(5);
    expect(ids(alone.grants)).toEqual(['a1', 'a2', 'a3', 'a4', 'a5']);
    const joined = await leasesB.heartbeat('B', 1, TTL);
    expect(joined).toEqual({ grants: [], share: 3 });
    expect((await leasesA.heartbeat('A', 2, TTL)).share).toBe(3);
    // A gives back two (one with a stale token, which stays A's), B claims what was given.
    const [first, second, third] = alone.grants;
    if (first === undefined || second === undefined || third === undefined) throw new Error('A holds five');
    await leasesA.handBack('A', [first, second, { analysisId: third.analysisId, token: third.token + 1000 }]);
    await leasesB.handBack('B', [alone.grants[3] as LeaseGrant]);
    expect(ids(await beat(leasesB, 'B', 3))).toEqual(ids([first, second]));
    expect(ids(await beat(leasesA, 'A', 4))).toEqual(ids(alone.grants.slice(2)));
  });
});
