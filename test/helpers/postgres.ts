// A real PostgreSQL for the tests and the replicas benchmark (bench/daemon-replicas-stack.ts): initdb into a temp dir, a free loopback
// port, password (scram) authentication, always stopped (stop(), or at process exit).
//
// PostgreSQL refuses to run as root, so when we are root (CI) the cluster belongs to `nobody`:
// initdb and postgres run with that user's uid/gid (spawn's uid option: signals reach postgres
// itself, which `runuser` does not forward), in a temp dir that user owns. Debian's
// `postgresql` package keeps its programs in /usr/lib/postgresql/<major>/bin, off PATH.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { freePort } from '../../src/demo/free-port.js';

export interface RunningPostgres {
  /** postgres://canaryd:<password>@127.0.0.1:<port>/canaryd */
  url: string;
  port: number;
  password: string;
  dataDir: string;
  /** A fresh, empty database; its URL. */
  createDatabase(name?: string): Promise<string>;
  /** Stops the server but keeps its data (a PostgreSQL outage); start() brings it back on the same port. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
}

const UNPRIVILEGED_USER = 'nobody';
const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 10_000;
let databaseCounter = 0;

function asRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** uid/gid to run the server as: the unprivileged user when we are root, else ourselves. */
function serverIdentity(): { uid: number; gid: number } | Record<string, never> {
  if (!asRoot()) return {};
  const uid = Number(spawnSync('id', ['-u', UNPRIVILEGED_USER], { encoding: 'utf8' }).stdout.trim());
  const gid = Number(spawnSync('id', ['-g', UNPRIVILEGED_USER], { encoding: 'utf8' }).stdout.trim());
  return { uid, gid };
}

function ownedByServer(path: string): void {
  const identity = serverIdentity();
  if ('uid' in identity) chownSync(path, identity.uid, identity.gid);
}

async function waitReady(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`postgres exited with ${child.exitCode}: ${output()}`);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  throw new Error(`postgres did not accept connections within ${READY_TIMEOUT_MS} ms: ${output()}`);
}

export interface StartPostgresOptions {
  /** fsync at commit, as in production (default off: the tests' data is thrown away). */
  fsync?: boolean;
}

export async function startPostgres(options: StartPostgresOptions = {}): Promise<RunningPostgres> {
  // Installs Debian's postgresql when missing and we are root; otherwise says what to install.
  const { ensurePostgres, findPostgresBinary } = await import('../../scripts/lib/ensure-binaries.mjs');
  await ensurePostgres();
  const initdb = findPostgresBinary('initdb');
  if (initdb === null) throw new Error('initdb not found: install PostgreSQL (Debian package "postgresql")');
  const bin = dirname(initdb);
  const root = mkdtempSync(join(tmpdir(), 'canaryd-pg-'));
  ownedByServer(root);
  const dataDir = join(root, 'data');
  const password = randomBytes(12).toString('hex');
  const passwordFile = join(root, 'password');
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  ownedByServer(passwordFile);
  const initArgs = ['-D', dataDir, '-U', 'canaryd', '--auth=scram-sha-256', `--pwfile=${passwordFile}`, '--no-sync', '-E', 'UTF8'];
  const init = spawnSync(join(bin, 'initdb'), initArgs, { encoding: 'utf8', cwd: root, ...serverIdentity() });
  if (init.status !== 0) {
    rmSync(root, { recursive: true, force: true });
    throw new Error(`initdb failed (${init.status}): ${init.stderr}`);
  }
  rmSync(passwordFile);
  const port = await freePort();
  const url = `postgres://canaryd:${password}@127.0.0.1:${port}/postgres`;
  let child: ChildProcess | null = null;
  let output = '';

  async function launch(): Promise<void> {
    const serverArgs = [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${root}`,
      '-c',
      `fsync=${options.fsync === true ? 'on' : 'off'}`,
      '-c',
      'max_connections=200',
    ];
    output = '';
    const started = spawn(join(bin, 'postgres'), serverArgs, { stdio: ['ignore', 'pipe', 'pipe'], cwd: root, ...serverIdentity() });
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-4_000);
    };
    started.stdout?.on('data', keep);
    started.stderr?.on('data', keep);
    child = started;
    await waitReady(url, started, () => output);
  }

  async function halt(): Promise<void> {
    const running = child;
    child = null;
    if (running === null || running.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    // SIGINT: PostgreSQL's "fast" shutdown (disconnects clients, then exits).
    running.kill('SIGINT');
    const timer = setTimeout(() => running.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }

  const onExit = (): void => {
    (child as ChildProcess | null)?.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  await launch();

  return {
    url,
    port,
    password,
    dataDir,
    async createDatabase(name) {
      databaseCounter += 1;
      const database = name ?? `canaryd_${process.pid}_${databaseCounter}`;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${database}`);
      } finally {
        await client.end();
      }
      return url.replace(/\/postgres$/, `/${database}`);
    },
    pause: halt,
    resume: launch,
    async stop() {
      await halt();
      process.removeListener('exit', onExit);
      rmSync(root, { recursive: true, force: true });
    },
  };
}
