// What the load benchmark runs against: the demo service with N services (baseline and canary
// traffic), a real Prometheus scraping it, and `canaryd serve` as its own process with a temp
// SQLite store and a bench template. stopEnvironment() stops whatever was started.

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { signWebhookBody, SIGNATURE_HEADER } from '../../src/adapters/webhook-signature.js';
import type { AdapterRequest } from '../../src/adapters/types.js';
import { startDemoService, type DemoService, type DemoServiceSpec } from '../../src/demo/demo-service.js';
import { freePort } from '../../src/demo/free-port.js';
import { startPrometheus, type RunningPrometheus } from '../../src/demo/prometheus-server.js';
import { benchTemplateYaml, BENCH_TEMPLATE } from './template.js';
import { DaemonLog } from './daemon-log.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const CANARYD_BIN = join(REPO_ROOT, 'bin/canaryd.js');
const CANARY_WEIGHT = 50;
const READY_TIMEOUT_MS = 30_000;
const DATA_TIMEOUT_MS = 40_000;
const DAEMON_STOP_GRACE_MS = 15_000;

export interface EnvironmentOptions {
  services: number;
  rps: number;
  intervalSeconds: number;
  logLevel: string;
  /** sources.default.queryAlignment in seconds (0: none, exact evaluation times). */
  queryAlignmentSeconds: number;
  /** The canaryd binary to run (default: this checkout's bin/canaryd.js). */
  canaryd: string | null;
  /** The daemon writes a V8 CPU profile into this directory when it exits (`--cpu-prof`); null: none. */
  cpuProfileDir: string | null;
  /** server.engineThread of the daemon's config. */
  engineThread: 'main' | 'worker';
  /** Options of the daemon's node process. */
  daemonNodeOptions: string[];
  print: (line: string) => void;
  signal: AbortSignal;
}

export interface Environment {
  tempDir?: string;
  service?: DemoService;
  prometheus?: RunningPrometheus;
  daemon?: ChildProcess;
  daemonLog?: DaemonLog;
  daemonUrl?: string;
  storePath?: string;
  configFile?: string;
  canarydBin?: string;
  /** Node.js options the daemon is started with (a CPU profile). */
  nodeArgs?: string[];
  serviceNames: string[];
}

export function serviceNames(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `svc-${String(index + 1).padStart(2, '0')}`);
}

function healthySpec(name: string, rps: number): DemoServiceSpec {
  const track = { errorShare: 0.005, latencyMedianSeconds: 0.08 };
  return { name, rps, baseline: { ...track }, canary: { ...track } };
}

/** Moves half of each service's traffic to its canary, as a deployer would on set-weight. */
async function sendCanaryTraffic(service: DemoService, secret: string, names: readonly string[]): Promise<void> {
  for (const name of names) {
    const request: AdapterRequest = {
      analysisId: 'bench',
      action: 'set-weight',
      weight: CANARY_WEIGHT,
      step: 0,
      target: { service: name, environment: 'bench', version: 'v2' },
      rule: null,
      evidenceHash: 'bench',
      idempotencyKey: `bench-${name}`,
      at: new Date().toISOString(),
    };
    const body = JSON.stringify(request);
    const response = await fetch(`${service.url}/deploy`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', [SIGNATURE_HEADER]: signWebhookBody(secret, body, Date.now() / 1000) },
      body,
    });
    if (!response.ok) throw new Error(`the demo service refused set-weight for ${name}: ${response.status}`);
  }
}

async function pause(ms: number, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  await new Promise((resolve) => setTimeout(resolve, ms));
  signal.throwIfAborted();
}

/** Waits until Prometheus has a canary rate for every service (two scrapes of canary traffic). */
async function waitForCanaryData(prometheusUrl: string, services: number, signal: AbortSignal): Promise<void> {
  const query = 'count(sum by (service) (rate(http_requests_total{track="canary"}[10s])) > 0)';
  const deadline = Date.now() + DATA_TIMEOUT_MS;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(query)}`, { signal: AbortSignal.timeout(2_000) });
      const body = (await response.json()) as { data?: { result?: Array<{ value: [number, string] }> } };
      if (Number(body.data?.result?.[0]?.value[1] ?? 0) >= services) return;
    } catch {
      // not yet
    }
    await pause(500, signal);
  }
  throw new Error(`Prometheus had no canary traffic for all ${services} services within ${DATA_TIMEOUT_MS / 1000}s`);
}

async function waitForReady(url: string, daemon: ChildProcess, log: DaemonLog, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (daemon.exitCode !== null) throw new Error(`canaryd serve exited with code ${daemon.exitCode}:\n${log.tail().join('\n')}`);
    try {
      const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await pause(100, signal);
  }
  throw new Error(`canaryd serve was not ready within ${READY_TIMEOUT_MS / 1000}s`);
}

/** Starts everything; what was started is recorded in `environment` as it goes, for stopEnvironment. */
export async function startEnvironment(environment: Environment, options: EnvironmentOptions): Promise<void> {
  const { ensurePrometheus } = await import('../../scripts/lib/ensure-binaries.mjs');
  await ensurePrometheus();
  environment.tempDir = await mkdtemp(join(tmpdir(), 'canaryd-load-'));
  const secret = randomBytes(24).toString('hex');
  const [servicePort, daemonPort] = [await freePort(), await freePort()];

  environment.service = await startDemoService({
    port: servicePort,
    secret,
    services: environment.serviceNames.map((name) => healthySpec(name, options.rps)),
  });
  await sendCanaryTraffic(environment.service, secret, environment.serviceNames);
  options.print(
    `demo service   ${environment.service.url}  (${environment.serviceNames.length} services, ${options.rps} req/s each, canary weight ${CANARY_WEIGHT}%)`,
  );

  environment.prometheus = await startPrometheus({
    scrapeConfigs: [{ job: 'demo-service', target: `127.0.0.1:${servicePort}`, intervalSeconds: 1 }],
    retention: '1d',
  });
  options.print(`prometheus     ${environment.prometheus.url}`);

  const templateDir = join(environment.tempDir, 'templates');
  await mkdir(templateDir);
  await writeFile(join(templateDir, `${BENCH_TEMPLATE}.yaml`), benchTemplateYaml(options.intervalSeconds));
  environment.storePath = join(environment.tempDir, 'canaryd.db');
  environment.configFile = join(environment.tempDir, 'canaryd.yaml');
  const source: Record<string, unknown> = { type: 'prometheus', url: environment.prometheus.url, timeout: '10s' };
  if (options.queryAlignmentSeconds > 0) source.queryAlignment = `${options.queryAlignmentSeconds}s`;
  // JSON is valid YAML.
  await writeFile(
    environment.configFile,
    JSON.stringify({
      // main is the config's default: a baseline binary without the field measures the same way.
      server: { host: '127.0.0.1', port: daemonPort, ...(options.engineThread === 'worker' ? { engineThread: 'worker' } : {}) },
      store: { type: 'sqlite', path: environment.storePath },
      templates: [templateDir],
      sources: { default: source },
      adapters: { 'dry-run': { type: 'log' } },
      log: { level: options.logLevel },
    }),
  );
  environment.daemonLog = new DaemonLog();
  environment.daemonUrl = `http://127.0.0.1:${daemonPort}`;
  environment.canarydBin = options.canaryd === null ? CANARYD_BIN : resolve(options.canaryd);
  environment.nodeArgs = [
    ...options.daemonNodeOptions,
    ...(options.cpuProfileDir === null ? [] : ['--cpu-prof', '--cpu-prof-dir', resolve(options.cpuProfileDir)]),
  ];
  await startDaemon(environment, options.signal);
  options.print(`canaryd serve  ${environment.daemonUrl}  (pid ${environment.daemon?.pid ?? '?'}, store ${environment.storePath})`);

  await waitForCanaryData(environment.prometheus.url, environment.serviceNames.length, options.signal);
}

/** Starts `canaryd serve` on the environment's config (again, after stopDaemon); resolves once /readyz answers 200, with how long that took. */
export async function startDaemon(environment: Environment, signal: AbortSignal): Promise<number> {
  const { configFile, daemonUrl, daemonLog: log } = environment;
  if (configFile === undefined || daemonUrl === undefined || log === undefined) throw new Error('the environment has no daemon config yet');
  const started = performance.now();
  const daemon = spawn(process.execPath, [...(environment.nodeArgs ?? []), environment.canarydBin ?? CANARYD_BIN, 'serve', '--config', configFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  environment.daemon = daemon;
  const killOnExit = (): void => {
    daemon.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  daemon.once('exit', () => process.off('exit', killOnExit));
  daemon.stdout?.on('data', (chunk: Buffer) => log.write(chunk));
  daemon.stderr?.on('data', (chunk: Buffer) => log.write(chunk));
  await waitForReady(daemonUrl, daemon, log, signal);
  return performance.now() - started;
}

export interface DaemonStop {
  /** From SIGTERM to the process' exit. */
  ms: number;
  /** It had not exited within the grace period and was killed. */
  killed: boolean;
  exitCode: number | null;
}

/** SIGTERM, then SIGKILL after DAEMON_STOP_GRACE_MS; null when it was not running. */
export async function stopDaemon(daemon: ChildProcess): Promise<DaemonStop | null> {
  if (daemon.exitCode !== null || daemon.signalCode !== null) return null;
  const started = performance.now();
  let killed = false;
  const exited = new Promise<number | null>((resolve) => daemon.once('exit', (code) => resolve(code)));
  daemon.kill('SIGTERM');
  const timer = setTimeout(() => {
    killed = true;
    daemon.kill('SIGKILL');
  }, DAEMON_STOP_GRACE_MS);
  const exitCode = await exited;
  clearTimeout(timer);
  return { ms: performance.now() - started, killed, exitCode };
}

export async function stopEnvironment(environment: Environment): Promise<void> {
  if (environment.daemon) await stopDaemon(environment.daemon);
  await environment.service?.close();
  await environment.prometheus?.stop();
  if (environment.tempDir) await rm(environment.tempDir, { recursive: true, force: true });
}
