// Two `canaryd serve` processes on one PostgreSQL, active-active: analyses created on either spread
// over both; kill -9 of one, and the other takes its analyses over within 15 s; the deployer sees
// each decision under one idempotency key and every analysis ends with its decision. Then the
// store's outages: PostgreSQL down at start (exit 4 with the reason, no password), and down during a
// run (ticks fail as store errors, nothing decided; the analysis goes on once it is back).

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCanaryd } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import { startPostgres, type RunningPostgres } from '../helpers/postgres.js';
import { createAnalysis, decisionsOf, getEvents, getVerdict, TERMINAL_PHASES, trailProblems, waitForAnalysis } from './api-client.js';
import { logRecords, startDaemon, type DaemonProcess } from './daemon-harness.js';
import { FAST_STEPS, writeFastTemplate } from './fast-template.js';
import { waitFor } from './polling.js';
import { hookProblems, type RecordedHook } from './recording-receiver.js';
import { ADAPTER, healthyService, startTrafficStack, type TrafficStack } from './traffic-stack.js';

const SERVICES = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6'];
const TAKEOVER_LIMIT_MS = 15_000;
const EXPECTED_DECISIONS = [`set-weight@0:${FAST_STEPS[0]}`, `set-weight@1:${FAST_STEPS[1]}`, `set-weight@2:${FAST_STEPS[2]}`, `complete@2:${FAST_STEPS[2]}`];

function decisionOfHook(hook: RecordedHook): string {
  return `${hook.body.action}@${hook.body.step}:${hook.body.weight}`;
}

describe('canaryd serve: two replicas on PostgreSQL', () => {
  let stack: TrafficStack;
  let postgres: RunningPostgres;
  let databaseUrl: string;
  let urlFile: string;
  let templatesDir: string;
  const daemons: DaemonProcess[] = [];

  async function leases(): Promise<Map<string, string>> {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const rows = (await client.query<{ analysis_id: string; owner: string }>('SELECT analysis_id, owner FROM leases')).rows;
      return new Map(rows.map((row) => [row.analysis_id, row.owner]));
    } finally {
      await client.end();
    }
  }

  async function configFile(name: string, engineThread: 'main' | 'worker'): Promise<{ file: string; url: string }> {
    const port = await freePort();
    const config = {
      server: { host: '127.0.0.1', port, engineThread },
      store: { type: 'postgres', urlFile, pool: { max: 5, connectionTimeoutMs: 2000 } },
      templates: [templatesDir],
      sources: { default: { type: 'prometheus', url: stack.prometheus.url, timeout: '2s' } },
      adapters: { [ADAPTER]: { type: 'webhook', url: stack.receiver.url, secretFile: stack.secretFile, timeout: '2s', retries: 2 } },
      log: { level: 'info' },
    };
    const file = join(stack.dir, `${name}.yaml`);
    await writeFile(file, stringify(config));
    return { file, url: `http://127.0.0.1:${port}` };
  }

  async function start(name: string, engineThread: 'main' | 'worker' = 'main'): Promise<DaemonProcess> {
    const { file, url } = await configFile(name, engineThread);
    const daemon = await startDaemon(file, { url });
    daemons.push(daemon);
    return daemon;
  }

  const ownerPid = (owner: string | undefined): number => Number(owner?.split('/')[1] ?? -1);

  beforeAll(async () => {
    [stack, postgres] = await Promise.all([startTrafficStack([...SERVICES, 'outage'].map(healthyService)), startPostgres()]);
    databaseUrl = await postgres.createDatabase();
    urlFile = join(stack.dir, 'postgres-url');
    await writeFile(urlFile, `${databaseUrl}\n`, { mode: 0o600 });
    templatesDir = join(stack.dir, 'templates');
    await mkdir(templatesDir, { recursive: true });
    await writeFastTemplate(templatesDir, { minDuration: '6s', maxDuration: '120s' });
  });

  afterAll(async () => {
    for (const daemon of daemons) await daemon.stop();
    await postgres?.stop();
    await stack?.stop();
  });

  it('spreads analyses over both; after kill -9 of one the other takes over within 15 s, no duplicate action, no lost decision', async () => {
    // b runs the daemon on a worker thread: the replica that takes over below is the threaded one.
    const [a, b] = [await start('replica-a'), await start('replica-b', 'worker')];
    // POST create on either replica.
    const ids: string[] = [];
    for (const [index, service] of SERVICES.entries()) ids.push((await createAnalysis(index % 2 === 0 ? a.url : b.url, { service, mode: 'drive' })).id);

    const spread = await waitFor(
      'both replicas to hold leases of all the analyses',
      async () => {
        const held = await leases();
        const pids = ids.map((id) => ownerPid(held.get(id)));
        return ids.every((id) => held.has(id)) && pids.includes(a.pid) && pids.includes(b.pid) ? held : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    const ofA = ids.filter((id) => ownerPid(spread.get(id)) === a.pid);
    expect(ofA.length).toBeGreaterThanOrEqual(2);
    expect(ids.length - ofA.length).toBeGreaterThanOrEqual(2);
    // The first set-weight of each, made by its holder; and any replica answers the verdict from the store.
    await waitFor('every analysis to have its first set-weight', async () => (ids.every((id) => stack.receiver.hooksFor(id).length > 0) ? true : undefined), {
      timeoutMs: 15_000,
      intervalMs: 100,
    });
    // A tick may commit between two reads (1 s ticks): read both until a pair straddles no commit.
    for (const id of ids) {
      const agreed = await waitFor(
        `replicas a and b to answer the same verdict for ${id}`,
        async () => {
          const [fromA, fromB] = [await getVerdict(a.url, id), await getVerdict(b.url, id)];
          expect([fromA.status, fromB.status]).toEqual([200, 200]);
          return JSON.stringify(fromA.body) === JSON.stringify(fromB.body) ? fromA.body : undefined;
        },
        { timeoutMs: 5_000, intervalMs: 20 },
      );
      // On failure, the assertion shows the verdict that ended it (rule, measurements).
      expect({ id, verdict: agreed }).toMatchObject({ id, verdict: { phase: 'running' } });
    }

    const killed = await a.kill('SIGKILL');
    const killedAt = Date.now();
    expect(killed.signal).toBe('SIGKILL');
    await waitFor(
      'replica b to hold every analysis of the killed replica',
      async () => {
        const held = await leases();
        return ofA.every((id) => ownerPid(held.get(id)) === b.pid || !held.has(id)) ? true : undefined;
      },
      { timeoutMs: TAKEOVER_LIMIT_MS + 5_000, intervalMs: 100 },
    );
    const takeoverMs = Date.now() - killedAt;
    console.info(`takeover after kill -9: ${takeoverMs} ms for ${ofA.length} analyses`);
    expect(takeoverMs).toBeLessThan(TAKEOVER_LIMIT_MS);

    for (const id of ids) {
      const end = await waitForAnalysis(b.url, id, 'to end on the surviving replica', (view) => TERMINAL_PHASES.has(view.phase), { timeoutMs: 90_000 });
      expect(end.phase).toBe('succeeded');
    }
    await waitFor(
      'every complete call',
      async () => (ids.every((id) => stack.receiver.hooksFor(id).some((hook) => hook.body.action === 'complete')) ? true : undefined),
      { timeoutMs: 15_000, intervalMs: 100 },
    );

    for (const id of ids) {
      const hooks = stack.receiver.hooksFor(id);
      expect(hooks.flatMap(hookProblems)).toEqual([]);
      // The deployer, deduplicating by Idempotency-Key, sees each decision once, in order: one key per decision.
      const keys = new Map<string, Set<string>>();
      for (const hook of hooks) keys.set(decisionOfHook(hook), (keys.get(decisionOfHook(hook)) ?? new Set()).add(hook.body.idempotencyKey));
      expect([...keys.keys()]).toEqual(EXPECTED_DECISIONS);
      expect([...keys.values()].map((set) => set.size)).toEqual(EXPECTED_DECISIONS.map(() => 1));
      const events = await getEvents(b.url, id);
      expect(trailProblems(events)).toEqual([]);
      expect(decisionsOf(events).map((decision) => decision.decision)).toEqual(['promote', 'promote', 'complete']);
    }
    const takeover = logRecords(b.logs()).filter((record) => record.msg === 'leases acquired');
    expect(takeover.length).toBeGreaterThanOrEqual(2);
    await b.stop();
  }, 180_000);

  it('PostgreSQL down at start: exit 4 naming the server, never the password', async () => {
    await postgres.pause();
    try {
      for (const engineThread of ['main', 'worker'] as const) {
        const { file } = await configFile(`down-at-start-${engineThread}`, engineThread);
        const run = await runCanaryd(['serve', '--config', file], { timeoutMs: 30_000 });
        expect(run.code).toBe(4);
        expect(run.stderr).toMatch(/PostgreSQL store at postgres:\/\/canaryd@127\.0\.0\.1:\d+\/\w+: .*ECONNREFUSED/);
        expect(run.stderr + run.stdout).not.toContain(postgres.password);
      }
    } finally {
      await postgres.resume();
    }
  });

  it('PostgreSQL down during a run: ticks fail as store errors, nothing is decided, and the analysis goes on once it is back', async () => {
    const daemon = await start('outage');
    const created = await createAnalysis(daemon.url, { service: 'outage', mode: 'drive' });
    await waitForAnalysis(daemon.url, created.id, 'to be judged', (view) => view.lastVerdict !== null, { timeoutMs: 20_000 });
    await postgres.pause();
    const downAt = Date.now();
    await waitFor(
      'a tick to fail as a store error',
      async () =>
        logRecords(daemon.logs()).some((record) => record.msg === 'tick failed' && String(record.error).includes('PostgreSQL store at')) ? true : undefined,
      {
        timeoutMs: 10_000,
        intervalMs: 100,
        lastSeen: () => `exited ${JSON.stringify(daemon.exited())}; ${daemon.logs().split('\n').slice(-12).join(' | ')}`,
      },
    );
    const upAt = Date.now();
    await postgres.resume();
    const end = await waitForAnalysis(daemon.url, created.id, 'to end after the outage', (view) => TERMINAL_PHASES.has(view.phase), { timeoutMs: 90_000 });
    expect(end.phase).toBe('succeeded');
    const events = await getEvents(daemon.url, created.id);
    expect(trailProblems(events)).toEqual([]);
    // Nothing was written while the store was down, and no decision was made twice or lost.
    const during = events.filter((event) => Date.parse(event.at) > downAt + 500 && Date.parse(event.at) < upAt);
    expect(during).toEqual([]);
    expect(decisionsOf(events).map((decision) => decision.decision)).toEqual(['promote', 'promote', 'complete']);
    expect(daemon.logs()).not.toContain(postgres.password);
    expect(daemon.exited()).toBeNull();
  }, 150_000);
});
