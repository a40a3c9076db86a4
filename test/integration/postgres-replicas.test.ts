// Two daemons (apps) on one real PostgreSQL database, each with its own manual clock and scheduler:
// the lease holder alone ticks and calls; the calls of a create on the other replica are made by the
// holder; and a holder that stalls mid-tick while the other takes over (its clock far behind) cannot
// commit its stale judgement — the fencing token refuses it inside the transaction, nothing is written.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp, type App } from '../../src/app.js';
import type { DeploymentAdapter } from '../../src/adapters/types.js';
import type { DaemonConfig } from '../../src/config/schema.js';
import { ManualClock } from '../../src/daemon/clock.js';
import { ManualScheduler } from '../../src/daemon/manual-scheduler.js';
import type { MetricSource } from '../../src/sources/types.js';
import { verifyEventChain } from '../../src/store/types.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { startPostgres, type RunningPostgres } from '../helpers/postgres.js';
import { FakeAdapter, FakeSource, MINUTE, T0, TARGET } from '../unit/daemon/daemon-fixtures.js';

const TEMPLATE = `apiVersion: canaryd.dev/v1alpha1
kind: AnalysisTemplate
metadata:
  name: web
spec:
  args:
    - name: service
  interval: 1m
  stepDefaults: { minDuration: 1m, maxDuration: 10m }
  steps:
    - { weight: 10 }
    - { weight: 50 }
    - { weight: 100 }
  metrics:
    - name: requests
      query: requests{service="{{ args.service }}",track="{{ variant }}"}
    - name: error_rate
      query: error_rate{service="{{ args.service }}",track="{{ variant }}"}
  rules:
    abort:
      - id: error-spike
        when: error_rate.change > 50%
    promote:
      - id: healthy
        when: error_rate.change < 10%
`;

interface Replica {
  app: App;
  clock: ManualClock;
  scheduler: ManualScheduler;
  source: FakeSource;
  adapter: FakeAdapter;
}

let server: RunningPostgres;
let dir: string;
const replicas: Replica[] = [];

beforeAll(async () => {
  server = await startPostgres();
  dir = await mkdtemp(join(tmpdir(), 'canaryd-pg-replicas-'));
  await writeFile(join(dir, 'web.yaml'), TEMPLATE);
});
afterAll(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  for (const replica of replicas.splice(0)) await replica.app.close();
});

async function replica(url: string): Promise<Replica> {
  const config: DaemonConfig = {
    server: { host: '127.0.0.1', port: 0 },
    store: { type: 'postgres', url, pool: {} },
    templates: [dir],
    sources: { default: { type: 'prometheus', name: 'default', url: 'http://127.0.0.1:9', timeoutMs: 1000, headers: {} } },
    adapters: { deployer: { type: 'log', name: 'deployer' } },
    log: { level: 'silent' },
  };
  const clock = new ManualClock(T0);
  const scheduler = new ManualScheduler(clock);
  const source = new FakeSource();
  const adapter = new FakeAdapter();
  const app = await buildApp(config, {
    clock,
    scheduler,
    sources: new Map<string, MetricSource>([['default', source]]),
    adapters: new Map<string, DeploymentAdapter>([['deployer', adapter]]),
    logger: createLogger({ level: 'silent' }),
  });
  await app.start();
  const started = { app, clock, scheduler, source, adapter };
  replicas.push(started);
  return started;
}

function leasesOf(target: Replica) {
  const leases = target.app.daemon.leases;
  if (leases === undefined) throw new Error('a PostgreSQL store gives the daemon leases');
  return leases;
}

describe('two daemons on one PostgreSQL', () => {
  it('only the holder calls and ticks; a stalled holder cannot commit after a takeover', async () => {
    const url = await server.createDatabase();
    const [a, b] = [await replica(url), await replica(url)];
    const created = await b.app.server.inject({
      method: 'POST',
      url: '/v1/analyses',
      payload: { template: 'web', args: { service: 'checkout' }, mode: 'drive', adapter: 'deployer', target: TARGET },
    });
    expect(created.statusCode).toBe(201);
    const id = (created.json() as { id: string }).id;
    await b.app.daemon.idle();
    // Created on b, which does not hold it yet: its first call waits for the holder.
    expect(b.adapter.requests).toEqual([]);

    await leasesOf(a).heartbeat();
    await a.app.daemon.idle();
    expect(leasesOf(a).held()).toEqual([id]);
    await leasesOf(b).heartbeat();
    expect(leasesOf(b).held()).toEqual([]);
    expect(a.adapter.actions()).toEqual(['set-weight:10']);

    // a judges its first tick, and stalls in the middle of it (its queries hang).
    const release = a.source.block();
    await a.scheduler.advance(MINUTE - 1_000); // heartbeats every 3 s: a still holds the lease
    await a.scheduler.advance(1_000, { awaitRuns: false });
    await vi.waitFor(() => expect(a.source.queries.length).toBeGreaterThan(0));

    // Meanwhile b's clock moves past a's lease: b takes over with a larger token.
    await b.scheduler.advance(MINUTE + 15_000);
    await b.app.daemon.idle();
    expect(leasesOf(b).held()).toEqual([id]);
    // b judged at once the slot a had not committed (a promote: b calls set-weight 50).
    expect(b.adapter.actions()).toEqual(['set-weight:50']);
    const eventsBefore = (await a.app.service.events(id)).length;

    // a wakes up and finishes judging: the store refuses its commit; a lets the analysis go.
    release();
    await a.app.daemon.idle();
    expect((await a.app.service.events(id)).length).toBe(eventsBefore);
    expect(leasesOf(a).held()).toEqual([]);
    expect(a.adapter.actions()).toEqual(['set-weight:10']);

    // b goes on ticking and deciding; a, behind, stays out.
    await b.scheduler.advance(4 * MINUTE);
    await b.app.daemon.idle();
    await a.scheduler.advance(4 * MINUTE);
    await a.app.daemon.idle();
    const verdict = (await a.app.server.inject({ url: `/v1/analyses/${id}/verdict` })).json() as { phase: string; step: number };
    expect(verdict).toMatchObject({ phase: 'succeeded', step: 2 });
    expect(b.adapter.actions()).toEqual(['set-weight:50', 'set-weight:100', 'complete:100']);
    expect(a.adapter.actions()).toEqual(['set-weight:10']);
    const keys = [...a.adapter.requests, ...b.adapter.requests].map((request) => request.idempotencyKey);
    expect(new Set(keys).size).toBe(keys.length);
    const events = await b.app.service.events(id);
    expect(verifyEventChain(events)).toEqual({ ok: true });
    expect(events.filter((event) => event.type === 'decision').map((event) => event.payload['decision'])).toEqual(['promote', 'promote', 'complete']);
  });

  it('a replica that joins gets its share: the holder hands the excess back once idle, and each decision is made once', async () => {
    const url = await server.createDatabase();
    const a = await replica(url);
    const ids: string[] = [];
    for (const service of ['s1', 's2', 's3', 's4']) {
      const created = await a.app.server.inject({
        method: 'POST',
        url: '/v1/analyses',
        payload: { template: 'web', args: { service }, mode: 'drive', adapter: 'deployer', target: { ...TARGET, service } },
      });
      expect(created.statusCode).toBe(201);
      ids.push((created.json() as { id: string }).id);
    }
    /** One heartbeat of `target` and the lane work it started; what it holds after. */
    const beat = async (target: Replica): Promise<string[]> => {
      await leasesOf(target).heartbeat();
      await target.app.daemon.idle();
      return leasesOf(target).held();
    };
    expect((await beat(a)).sort()).toEqual([...ids].sort());

    // b starts (its first heartbeat finds nothing free); a hands back a tenth of its share (at least
    // one) per heartbeat until it is at its share; b claims them.
    const b = await replica(url);
    expect(leasesOf(b).held()).toEqual([]);
    expect((await beat(a)).length).toBe(3);
    expect((await beat(a)).length).toBe(2);
    expect((await beat(a)).length).toBe(2);
    expect((await beat(b)).length).toBe(2);
    expect(new Set([...leasesOf(a).held(), ...leasesOf(b).held()]).size).toBe(4);

    // Both run on (clocks within a lease's ttl of each other) until every analysis has ended.
    for (let elapsed = 0; elapsed < 5 * MINUTE; elapsed += 2_000) {
      await a.scheduler.advance(2_000);
      await b.scheduler.advance(2_000);
    }
    await a.app.daemon.idle();
    await b.app.daemon.idle();
    const requests = [...a.adapter.requests, ...b.adapter.requests];
    for (const id of ids) {
      const verdict = (await b.app.server.inject({ url: `/v1/analyses/${id}/verdict` })).json() as { phase: string };
      expect(verdict.phase).toBe('succeeded');
      const made = requests.filter((request) => request.analysisId === id);
      expect(made.map((request) => `${request.action}:${request.weight}`).sort()).toEqual(['complete:100', 'set-weight:10', 'set-weight:100', 'set-weight:50']);
      const events = await a.app.service.events(id);
      expect(verifyEventChain(events)).toEqual({ ok: true });
      expect(events.filter((event) => event.type === 'decision').map((event) => event.payload['decision'])).toEqual(['promote', 'promote', 'complete']);
    }
    const keys = requests.map((request) => request.idempotencyKey);
    expect(new Set(keys).size).toBe(keys.length);
    // The two handed back were finished by b.
    expect(new Set(b.adapter.requests.map((request) => request.analysisId)).size).toBe(2);
  });
});
