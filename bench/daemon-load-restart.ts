// Restart and stop with N analyses running: `node dist-bench/bench/daemon-load-restart.js [--analyses N] [--canaryd BIN] [--runs N]`.
// Starts `canaryd serve` (BIN: another checkout's bin/canaryd.js for before/after) on a temp SQLite
// store, creates one analysis through the API, lets it tick once, stops the daemon, clones that
// analysis (row, events re-chained under the new id) to N, then times `canaryd serve` from spawn
// to /readyz 200 and SIGTERM to exit, --runs times. The source is a server that accepts queries and
// never answers (10 s timeout): every tick's queries hang or queue, the worst case for a shutdown
// that would wait for them.

import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { freePort } from '../src/demo/free-port.js';
import { chainEvents } from '../src/store/event-chain.js';
import { BENCH_TEMPLATE, benchTemplateYaml } from './daemon-load/template.js';

const USAGE = 'usage: node dist-bench/bench/daemon-load-restart.js [--analyses N] [--canaryd BIN] [--runs N] [--cpu-prof DIR]';
const OWN_BIN = join(dirname(fileURLToPath(import.meta.url)), '../../bin/canaryd.js');
const INTERVAL_SECONDS = 5;
const SOURCE_TIMEOUT_SECONDS = 10;

/** Accepts every request and never answers it. */
async function startSilentSource(): Promise<{ url: string; close: () => void }> {
  const server = http.createServer((request) => {
    request.resume();
  });
  await new Promise<void>((done) => server.listen({ host: '127.0.0.1', port: 0 }, done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

function option(argv: readonly string[], flag: string): string | undefined {
  const index = argv.indexOf(flag);
  return index < 0 ? undefined : argv[index + 1];
}

function count(argv: readonly string[], flag: string, fallback: number): number {
  const text = option(argv, flag);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${flag}: expected a positive integer\n${USAGE}`);
  return value;
}

async function waitForReady(url: string, daemon: ChildProcess, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (daemon.exitCode !== null) throw new Error(`canaryd serve exited with code ${daemon.exitCode}`);
    try {
      if ((await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1_000) })).ok) return;
    } catch {
      // not yet
    }
    await sleep(20);
  }
  throw new Error('canaryd serve was not ready in time');
}

/** `profileDir`: the daemon writes a V8 CPU profile there when it exits (`--cpu-prof`). */
function serve(bin: string, config: string, profileDir?: string): ChildProcess {
  const nodeArgs = profileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', profileDir];
  return spawn(process.execPath, [...nodeArgs, bin, 'serve', '--config', config], { stdio: ['ignore', 'ignore', 'inherit'] });
}

const STOP_GRACE_MS = 60_000;

/** ms from SIGTERM to exit; "killed" when it was still running after STOP_GRACE_MS. */
async function stop(daemon: ChildProcess): Promise<string> {
  const started = performance.now();
  let killed = false;
  const exited = new Promise((done) => daemon.once('exit', done));
  daemon.kill('SIGTERM');
  const killer = setTimeout(() => {
    killed = true;
    daemon.kill('SIGKILL');
  }, STOP_GRACE_MS);
  await exited;
  clearTimeout(killer);
  return killed ? `> ${STOP_GRACE_MS} (killed)` : (performance.now() - started).toFixed(0);
}

interface EventRow {
  type: string;
  at: string;
  payload: string;
}

/** Clones the store's one analysis to `total`, each with its own id and a re-chained trail. */
function cloneAnalyses(storePath: string, total: number): void {
  const db = new Database(storePath);
  const row = db.prepare('SELECT * FROM analyses LIMIT 1').get() as Record<string, unknown> & { id: string };
  const events = db.prepare('SELECT type, at, payload FROM events WHERE analysis_id = ? ORDER BY seq').all(row.id) as EventRow[];
  const columns = Object.keys(row).filter((name) => name !== 'position' && name !== 'id' && name !== 'creation_key');
  const insert = db.prepare(`INSERT INTO analyses (id, ${columns.join(', ')}) VALUES (@id, ${columns.map((name) => `@${name}`).join(', ')})`);
  const insertEvent = db.prepare('INSERT INTO events (analysis_id, seq, type, at, payload, hash, prev_hash) VALUES (?, ?, ?, ?, ?, ?, ?)');
  db.transaction(() => {
    for (let index = 1; index < total; index += 1) {
      const id = randomUUID();
      insert.run({ ...row, id });
      const chained = chainEvents(
        id,
        null,
        events.map((event) => ({ type: event.type, at: event.at, payload: JSON.parse(event.payload) as Record<string, unknown> })),
      );
      for (const event of chained) insertEvent.run(id, event.seq, event.type, event.at, JSON.stringify(event.payload), event.hash, event.prevHash);
    }
  })();
  db.close();
}

async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const analyses = count(argv, '--analyses', 10_000);
  const runs = count(argv, '--runs', 3);
  const bin = resolve(option(argv, '--canaryd') ?? OWN_BIN);
  const profileText = option(argv, '--cpu-prof');
  const profileDir = profileText === undefined ? undefined : resolve(profileText);
  const dir = await mkdtemp(join(tmpdir(), 'canaryd-restart-'));
  const source = await startSilentSource();
  try {
    const templates = join(dir, 'templates');
    await mkdir(templates);
    await writeFile(join(templates, `${BENCH_TEMPLATE}.yaml`), benchTemplateYaml(INTERVAL_SECONDS));
    const port = await freePort();
    const storePath = join(dir, 'canaryd.db');
    const config = join(dir, 'canaryd.yaml');
    await writeFile(
      config,
      JSON.stringify({
        server: { host: '127.0.0.1', port },
        store: { type: 'sqlite', path: storePath },
        templates: [templates],
        sources: { default: { type: 'prometheus', url: source.url, timeout: `${SOURCE_TIMEOUT_SECONDS}s` } },
        adapters: { 'dry-run': { type: 'log' } },
        log: { level: 'warn' },
      }),
    );
    const url = `http://127.0.0.1:${port}`;
    const first = serve(bin, config);
    await waitForReady(url, first);
    const created = await fetch(`${url}/v1/analyses`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        template: BENCH_TEMPLATE,
        args: { service: 'svc-01' },
        mode: 'drive',
        adapter: 'dry-run',
        target: { service: 'svc-01', environment: 'bench', version: 'v2' },
      }),
    });
    if (created.status !== 201) throw new Error(`creating the analysis failed: ${created.status} ${await created.text()}`);
    // The initial delay and one tick (its queries time out): the state carries a verdict, as a running analysis' does.
    await sleep((INTERVAL_SECONDS + SOURCE_TIMEOUT_SECONDS + 3) * 1000);
    await stop(first);
    cloneAnalyses(storePath, analyses);
    const restarts: number[] = [];
    const stops: string[] = [];
    for (let run = 0; run < runs; run += 1) {
      const started = performance.now();
      const daemon = serve(bin, config, profileDir);
      await waitForReady(url, daemon);
      restarts.push(performance.now() - started);
      // Let every analysis come due once before stopping.
      await sleep(INTERVAL_SECONDS * 1000);
      stops.push(await stop(daemon));
    }
    const ms = (values: number[]): string => values.map((value) => value.toFixed(0)).join(' / ');
    process.stdout.write(`${analyses} analyses running, ${bin}\nrestart → /readyz: ${ms(restarts)} ms\nSIGTERM → exit:    ${stops.join(' / ')} ms\n`);
    return 0;
  } finally {
    source.close();
    await rm(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main(process.argv.slice(2));
