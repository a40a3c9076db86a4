// `npm run bench:daemon -- --store postgres --replicas N [--analyses N] [--interval S] [--duration S] [--kill-after S]`:
// N `canaryd serve` replicas on one PostgreSQL. Creates the analyses through the replicas' APIs in
// turn, measures tick lags and missed ticks over --duration from the audit trail, kills one replica
// with SIGKILL --kill-after seconds into the window (with 2+ replicas), and measures how long until
// the others hold and tick its analyses; then checks every adapter call against what the deployer
// received (a decision under two keys, or a call marked done that never arrived, is a failure).

import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { LoadOptions } from './daemon-load/options.js';
import { serviceNames } from './daemon-load/environment.js';
import { readCpuSeconds } from './daemon-load/probes.js';
import { computeReplicaFigures, formatReplicaReport, type AnalysisTrail, type KillRecord, type RecordedCall } from './daemon-replicas-figures.js';
import { BENCH_ADAPTER, startReplicasStack, stopReplicasStack, type ReplicasStack } from './daemon-replicas-stack.js';
import { REPLICAS_TEMPLATE } from './daemon-replicas-template.js';

const CREATES_IN_FLIGHT_PER_REPLICA = 8;
// A 503 (store busy: no pooled connection in time) is retried, as a client would; counted in the report.
const CREATE_ATTEMPTS = 5;
const CREATE_RETRY_MS = 1_000;
const LEASE_WAIT_MS = 60_000;
const ENDED = new Set(['succeeded', 'aborted', 'failed']);

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

interface Created {
  id: string;
  startedAtMs: number;
}

async function createOne(replicaUrl: string, index: number, service: string, signal: AbortSignal): Promise<{ created: Created; retries: number }> {
  for (let attempt = 1; ; attempt += 1) {
    const response = await fetch(`${replicaUrl}/v1/analyses`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        template: REPLICAS_TEMPLATE,
        args: { service },
        mode: 'drive',
        adapter: BENCH_ADAPTER,
        target: { service, environment: 'bench', version: `v2-${index}` },
      }),
      signal: AbortSignal.timeout(60_000),
    });
    const body = (await response.json()) as { id?: string; startedAt?: string; error?: { message?: string } };
    if (response.status === 201 && body.id !== undefined && body.startedAt !== undefined)
      return { created: { id: body.id, startedAtMs: Date.parse(body.startedAt) }, retries: attempt - 1 };
    if (response.status !== 503 || attempt >= CREATE_ATTEMPTS)
      throw new Error(`creating analysis ${index + 1} on ${replicaUrl}: ${response.status} ${body.error?.message ?? ''} (attempt ${attempt})`);
    await sleep(CREATE_RETRY_MS * attempt, undefined, { signal });
  }
}

async function createAll(stack: ReplicasStack, count: number, signal: AbortSignal): Promise<{ created: Created[]; retries: number }> {
  const created: Created[] = [];
  let retries = 0;
  let next = 0;
  const worker = async (replicaUrl: string): Promise<void> => {
    while (next < count) {
      signal.throwIfAborted();
      const index = next++;
      const service = stack.serviceNames[index % stack.serviceNames.length] as string;
      const one = await createOne(replicaUrl, index, service, signal);
      created.push(one.created);
      retries += one.retries;
    }
  };
  const workers = stack.replicas.flatMap((replica) => Array.from({ length: CREATES_IN_FLIGHT_PER_REPLICA }, () => worker(replica.url)));
  await Promise.all(workers);
  return { created, retries };
}

const ownedBy = (pid: number | undefined): string => `%/${pid ?? -1}/%`;

async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs: number, signal: AbortSignal): Promise<number | null> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    signal.throwIfAborted();
    if (await probe()) return Date.now() - started;
    await sleep(100, undefined, { signal });
  }
  print(`gave up waiting for ${what} after ${timeoutMs / 1000}s`);
  return null;
}

async function killOne(db: pg.Client, stack: ReplicasStack, signal: AbortSignal): Promise<KillRecord> {
  const victim = stack.replicas[0];
  if (victim === undefined) throw new Error('no replica to kill');
  const held = (await db.query<{ analysis_id: string }>('SELECT analysis_id FROM leases WHERE owner LIKE $1', [ownedBy(victim.process.pid)])).rows.map(
    (row) => row.analysis_id,
  );
  victim.process.kill('SIGKILL');
  const atMs = Date.now();
  print(`killed ${victim.name} (pid ${victim.process.pid ?? '?'}) with SIGKILL; it held ${held.length} analyses`);
  const leaseTakeoverMs = await waitUntil(
    'the other replicas to take the leases over',
    async () => {
      const left = await db.query<{ count: string }>('SELECT count(*) FROM leases WHERE analysis_id = ANY($1) AND owner LIKE $2', [
        held,
        ownedBy(victim.process.pid),
      ]);
      return Number(left.rows[0]?.count) === 0;
    },
    LEASE_WAIT_MS,
    signal,
  );
  return { atMs, analyses: held, leaseTakeoverMs };
}

async function readTrails(db: pg.Client): Promise<{ analyses: AnalysisTrail[]; calls: RecordedCall[] }> {
  const rows = (await db.query<{ id: string; phase: string; state: string }>('SELECT id, phase, state FROM analyses')).rows;
  const ticks = new Map<string, number[]>();
  for (const row of (await db.query<{ analysis_id: string; at: string }>("SELECT analysis_id, at FROM events WHERE type = 'tick'")).rows) {
    ticks.set(row.analysis_id, [...(ticks.get(row.analysis_id) ?? []), Date.parse(row.at)]);
  }
  const analyses = rows.map((row) => {
    const state = JSON.parse(row.state) as { startedAt: number; decidedAt: number | null };
    return { id: row.id, startedAtMs: state.startedAt, endedAtMs: ENDED.has(row.phase) ? state.decidedAt : null, tickAtMs: ticks.get(row.id) ?? [] };
  });
  const calls = (
    await db.query<{ analysis_id: string; idempotency_key: string; request: string; status: string }>(
      'SELECT analysis_id, idempotency_key, request, status FROM adapter_calls',
    )
  ).rows.map((row) => {
    const request = JSON.parse(row.request) as { action: string; step: number };
    return { analysisId: row.analysis_id, idempotencyKey: row.idempotency_key, action: request.action, step: request.step, status: row.status };
  });
  return { analyses, calls };
}

export async function runReplicasLoad(options: LoadOptions, argv: readonly string[]): Promise<number> {
  const controller = new AbortController();
  const deadline = setTimeout(() => controller.abort(new Error(`timed out after ${options.timeoutSeconds}s`)), options.timeoutSeconds * 1000);
  const interrupt = (): void => controller.abort(new Error('interrupted'));
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  const stack: ReplicasStack = { deliveries: [], replicas: [], serviceNames: serviceNames(options.services) };
  const { signal } = controller;
  const intervalMs = options.intervalSeconds * 1000;
  let db: pg.Client | undefined;
  try {
    await startReplicasStack(stack, { ...options, print });
    db = new pg.Client({ connectionString: stack.databaseUrl });
    await db.connect();
    print(`creating ${options.analyses} analyses through ${stack.replicas.length} replicas…`);
    const createdFrom = Date.now();
    const { created, retries: createRetries } = await createAll(stack, options.analyses, signal);
    const createSeconds = (Date.now() - createdFrom) / 1000;
    print(`created in ${createSeconds.toFixed(1)}s (${createRetries} creates retried after a 503); waiting for every analysis to be leased…`);
    const leased = db;
    await waitUntil(
      'every analysis to be leased',
      async () => Number((await leased.query<{ count: string }>('SELECT count(*) FROM leases')).rows[0]?.count) >= options.analyses,
      LEASE_WAIT_MS,
      signal,
    );
    const spread = (await db.query<{ owner: string; count: string }>('SELECT owner, count(*) FROM leases GROUP BY owner ORDER BY owner')).rows;
    print(`leases: ${spread.map((row) => `${row.owner} ${row.count}`).join(', ')}`);

    const lastStart = Math.max(...created.map((analysis) => analysis.startedAtMs));
    const windowFromMs = Math.max(Date.now(), lastStart + intervalMs + 1_000);
    await sleep(windowFromMs - Date.now(), undefined, { signal });
    const cpuBefore = stack.replicas.map((replica) => readCpuSeconds(replica.process.pid ?? -1));
    print(`measuring for ${options.durationSeconds}s…`);
    let kill: KillRecord | null = null;
    if (stack.replicas.length > 1) {
      const killAt = windowFromMs + (options.killAfterSeconds ?? Math.floor(options.durationSeconds / 2)) * 1000;
      await sleep(Math.max(0, killAt - Date.now()), undefined, { signal });
      kill = await killOne(db, stack, signal);
    }
    const windowToMs = windowFromMs + options.durationSeconds * 1000;
    await sleep(Math.max(0, windowToMs - Date.now()), undefined, { signal });
    const cpuAfter = stack.replicas.map((replica) => readCpuSeconds(replica.process.pid ?? -1));
    await sleep(intervalMs + 2_000, undefined, { signal });

    const { analyses, calls } = await readTrails(db);
    const figures = computeReplicaFigures({
      intervalMs,
      initialDelayMs: intervalMs,
      windowFromMs,
      windowToMs,
      analyses,
      kill,
      calls,
      deliveries: stack.deliveries,
    });
    print('');
    const context = {
      analyses: options.analyses,
      replicas: options.replicas,
      intervalSeconds: options.intervalSeconds,
      windowSeconds: options.durationSeconds,
    };
    for (const line of formatReplicaReport(figures, context)) print(line);
    const cpu = stack.replicas.map((replica, index) => ({
      replica: replica.name,
      cpuSeconds: cpuAfter[index] != null && cpuBefore[index] != null ? (cpuAfter[index] as number) - (cpuBefore[index] as number) : null,
      warnings: Object.fromEntries(replica.log.problems),
    }));
    for (const entry of cpu)
      print(
        `  ${entry.replica}: ${entry.cpuSeconds === null ? 'cpu n/a' : `${entry.cpuSeconds.toFixed(1)} cpu-s in the window`}; warnings ${JSON.stringify(entry.warnings)}`,
      );
    const json = options.json === 'bench-results/daemon-load.json' ? 'bench-results/daemon-replicas.json' : options.json;
    mkdirSync(dirname(json), { recursive: true });
    writeFileSync(
      json,
      `${JSON.stringify({ command: `node dist-bench/bench/daemon-load.js ${argv.join(' ')}`.trim(), options, cores: availableParallelism(), createSeconds, createRetries, figures, replicas: cpu }, null, 2)}\n`,
    );
    print(`wrote ${json}`);
    const broken = figures.calls.decisionsWithSeveralKeys > 0 || figures.calls.doneButNotDelivered > 0 || figures.ticks.duplicates > 0;
    return broken ? 1 : 0;
  } catch (error) {
    const reason = signal.aborted ? signal.reason : error;
    process.stderr.write(`replicas benchmark failed: ${reason instanceof Error ? reason.message : String(reason)}\n`);
    for (const replica of stack.replicas) process.stderr.write(`last lines of ${replica.name}:\n${replica.log.tail().slice(-5).join('\n')}\n`);
    return 1;
  } finally {
    clearTimeout(deadline);
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
    await db?.end().catch(() => undefined);
    print('stopping the replicas, Prometheus, PostgreSQL and the demo service…');
    await stopReplicasStack(stack);
  }
}
