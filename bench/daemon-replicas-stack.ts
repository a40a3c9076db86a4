// What `bench:daemon --store postgres --replicas N` runs against: a real PostgreSQL (fsync on), the
// demo service, a real Prometheus scraping it, a webhook receiver that records every delivery and
// forwards it to the demo's deployer (so canary traffic follows the decisions), and N `canaryd serve`
// processes sharing the database. stopReplicasStack() stops whatever was started.

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AdapterRequest } from '../src/adapters/types.js';
import { readBody, startDemoService, type DemoService } from '../src/demo/demo-service.js';
import { freePort } from '../src/demo/free-port.js';
import { startPrometheus, type RunningPrometheus } from '../src/demo/prometheus-server.js';
import { DaemonLog } from './daemon-load/daemon-log.js';
import { startPostgres, type RunningPostgres } from '../test/helpers/postgres.js';
import { replicasMinDurationSeconds, replicasTemplateYaml, REPLICAS_TEMPLATE } from './daemon-replicas-template.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CANARYD_BIN = join(REPO_ROOT, 'bin/canaryd.js');
const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 15_000;
export const BENCH_ADAPTER = 'deployer';

export interface StackOptions {
  replicas: number;
  services: number;
  rps: number;
  intervalSeconds: number;
  durationSeconds: number;
  logLevel: string;
  /** The canaryd binary to run (another checkout's bin/canaryd.js, for before/after); null: this one's. */
  canaryd: string | null;
  print: (line: string) => void;
}

export interface Delivery {
  receivedAtMs: number;
  analysisId: string;
  action: string;
  step: number;
  idempotencyKey: string;
}

export interface Replica {
  name: string;
  url: string;
  process: ChildProcess;
  log: DaemonLog;
}

export interface ReplicasStack {
  tempDir?: string;
  postgres?: RunningPostgres;
  databaseUrl?: string;
  demo?: DemoService;
  prometheus?: RunningPrometheus;
  receiver?: Server;
  deliveries: Delivery[];
  replicas: Replica[];
  serviceNames: string[];
}

async function startReceiver(stack: ReplicasStack, forwardTo: string): Promise<string> {
  const server = createServer((request, response) => {
    void (async () => {
      const raw = await readBody(request);
      const body = JSON.parse(raw) as AdapterRequest;
      stack.deliveries.push({
        receivedAtMs: Date.now(),
        analysisId: body.analysisId,
        action: body.action,
        step: body.step,
        idempotencyKey: body.idempotencyKey,
      });
      const upstream = await fetch(forwardTo, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'Canaryd-Signature': String(request.headers['canaryd-signature'] ?? ''),
          'Idempotency-Key': body.idempotencyKey,
        },
        body: raw,
      });
      response.writeHead(upstream.status, { 'Content-Type': 'application/json' }).end(await upstream.text());
    })().catch((error: unknown) => response.writeHead(500).end(String(error)));
  });
  stack.receiver = server;
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
}

async function waitForReady(replica: Replica): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (replica.process.exitCode !== null) throw new Error(`${replica.name} exited with ${replica.process.exitCode}:\n${replica.log.tail().join('\n')}`);
    try {
      if ((await fetch(`${replica.url}/readyz`, { signal: AbortSignal.timeout(1_000) })).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`${replica.name} was not ready within ${READY_TIMEOUT_MS / 1000}s`);
}

export async function startReplicasStack(stack: ReplicasStack, options: StackOptions): Promise<void> {
  const { ensurePrometheus } = await import('../scripts/lib/ensure-binaries.mjs');
  await ensurePrometheus();
  stack.tempDir = await mkdtemp(join(tmpdir(), 'canaryd-replicas-'));
  stack.postgres = await startPostgres({ fsync: true });
  stack.databaseUrl = await stack.postgres.createDatabase('canaryd_bench');
  options.print(`postgresql     127.0.0.1:${stack.postgres.port} (fsync on)`);

  const secret = randomBytes(24).toString('hex');
  const servicePort = await freePort();
  const track = { errorShare: 0.005, latencyMedianSeconds: 0.08 };
  stack.demo = await startDemoService({
    port: servicePort,
    secret,
    services: stack.serviceNames.map((name) => ({ name, rps: options.rps, baseline: { ...track }, canary: { ...track } })),
  });
  stack.prometheus = await startPrometheus({
    scrapeConfigs: [{ job: 'demo-service', target: `127.0.0.1:${servicePort}`, intervalSeconds: 1 }],
    retention: '1d',
  });
  options.print(`prometheus     ${stack.prometheus.url}; demo service ${stack.demo.url} (${stack.serviceNames.length} services)`);
  const receiverUrl = await startReceiver(stack, `${stack.demo.url}/deploy`);

  const templates = join(stack.tempDir, 'templates');
  await mkdir(templates);
  await writeFile(
    join(templates, `${REPLICAS_TEMPLATE}.yaml`),
    replicasTemplateYaml(options.intervalSeconds, replicasMinDurationSeconds(options.intervalSeconds, options.durationSeconds)),
  );
  const urlFile = join(stack.tempDir, 'postgres-url');
  await writeFile(urlFile, `${stack.databaseUrl}\n`, { mode: 0o600 });
  const secretFile = join(stack.tempDir, 'webhook-secret');
  await writeFile(secretFile, `${secret}\n`, { mode: 0o600 });

  for (let index = 0; index < options.replicas; index += 1) {
    const name = `replica-${index + 1}`;
    const port = await freePort();
    const configFile = join(stack.tempDir, `${name}.yaml`);
    // JSON is valid YAML.
    await writeFile(
      configFile,
      JSON.stringify({
        server: { host: '127.0.0.1', port },
        store: { type: 'postgres', urlFile, pool: { max: 20, connectionTimeoutMs: 15_000 } },
        templates: [templates],
        sources: { default: { type: 'prometheus', url: stack.prometheus.url, timeout: '10s' } },
        adapters: { [BENCH_ADAPTER]: { type: 'webhook', url: receiverUrl, secretFile, timeout: '5s', retries: 2 } },
        log: { level: options.logLevel },
      }),
    );
    const bin = options.canaryd === null ? CANARYD_BIN : resolve(options.canaryd);
    const child = spawn(process.execPath, [bin, 'serve', '--config', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    const killOnExit = (): void => {
      child.kill('SIGKILL');
    };
    process.once('exit', killOnExit);
    child.once('exit', () => process.off('exit', killOnExit));
    const replica: Replica = { name, url: `http://127.0.0.1:${port}`, process: child, log: new DaemonLog() };
    child.stdout?.on('data', (chunk: Buffer) => replica.log.write(chunk));
    child.stderr?.on('data', (chunk: Buffer) => replica.log.write(chunk));
    stack.replicas.push(replica);
    await waitForReady(replica);
    options.print(`canaryd serve  ${replica.url}  (${name}, pid ${child.pid ?? '?'})`);
  }
}

async function stopReplica(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

export async function stopReplicasStack(stack: ReplicasStack): Promise<void> {
  await Promise.all(stack.replicas.map((replica) => stopReplica(replica.process)));
  await new Promise<void>((done) => (stack.receiver ? stack.receiver.close(() => done()) : done()));
  await stack.demo?.close();
  await stack.prometheus?.stop();
  await stack.postgres?.stop();
  if (stack.tempDir) await rm(stack.tempDir, { recursive: true, force: true });
}
