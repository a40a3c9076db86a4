// `canaryd demo`: a real Prometheus, the demo service, `canaryd serve` as its own process, and two
// analyses in drive mode — one healthy canary promoted step by step, one bad canary rolled back.
// Everything it starts is stopped at the end, also on Ctrl-C.

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { startDemoService, type DemoService } from './demo-service.js';
import { freePort } from './free-port.js';
import { startPrometheus, type RunningPrometheus } from './prometheus-server.js';
import { followAnalyses, type DemoAnalysis, type DemoOutcome } from './follow.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DEMO_CONFIG = join(REPO_ROOT, 'config/demo.yaml');
const CANARYD_BIN = join(REPO_ROOT, 'bin/canaryd.js');

export const DEMO_SERVICES = [
  { name: 'checkout', rps: 200, baseline: { errorShare: 0.005, latencyMedianSeconds: 0.08 }, canary: { errorShare: 0.005, latencyMedianSeconds: 0.08 } },
  { name: 'payments', rps: 200, baseline: { errorShare: 0.005, latencyMedianSeconds: 0.08 }, canary: { errorShare: 0.08, latencyMedianSeconds: 0.08 } },
];

export interface DemoOptions {
  print: (line: string) => void;
  /** Give up after this long (ms). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

interface Started {
  tempDir?: string;
  prometheus?: RunningPrometheus;
  service?: DemoService;
  daemon?: ChildProcess;
}

export async function runDemo(options: DemoOptions): Promise<DemoOutcome> {
  const started: Started = {};
  try {
    const { ensurePrometheus } = await import('../../scripts/lib/ensure-binaries.mjs');
    await ensurePrometheus();
    started.tempDir = await mkdtemp(join(tmpdir(), 'canaryd-demo-'));
    const secret = randomBytes(24).toString('hex');
    const [servicePort, daemonPort] = [await freePort(), await freePort()];

    started.service = await startDemoService({ port: servicePort, secret, services: DEMO_SERVICES });
    options.print(`demo service   ${started.service.url}  (checkout: healthy canary, payments: canary with 8% errors)`);
    started.prometheus = await startPrometheus({
      scrapeConfigs: [
        { job: 'demo-service', target: `127.0.0.1:${servicePort}`, intervalSeconds: 1 },
        { job: 'canaryd', target: `127.0.0.1:${daemonPort}`, intervalSeconds: 1 },
      ],
      retention: '1d',
    });
    options.print(`prometheus     ${started.prometheus.url}`);

    const configFile = await writeDemoConfig(started.tempDir, { daemonPort, servicePort, prometheusUrl: started.prometheus.url });
    const daemonUrl = `http://127.0.0.1:${daemonPort}`;
    started.daemon = startDaemon(configFile, secret, started.tempDir);
    await waitForReady(daemonUrl, started.daemon);
    options.print(`canaryd serve  ${daemonUrl}  (logs: ${join(started.tempDir, 'canaryd.log')})`);

    const analyses: DemoAnalysis[] = [];
    for (const service of DEMO_SERVICES) analyses.push(await createAnalysis(daemonUrl, service.name));
    options.print('');
    return await followAnalyses(daemonUrl, analyses, started.service, {
      print: options.print,
      timeoutMs: options.timeoutMs ?? 180_000,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } finally {
    await stopAll(started);
  }
}

async function writeDemoConfig(tempDir: string, ports: { daemonPort: number; servicePort: number; prometheusUrl: string }): Promise<string> {
  const config = parse(await readFile(DEMO_CONFIG, 'utf8')) as {
    server: { port: number };
    store: { path: string };
    templates: string[];
    sources: { default: { url: string } };
    adapters: { 'demo-deployer': { url: string } };
  };
  config.server.port = ports.daemonPort;
  config.store.path = join(tempDir, 'demo.db');
  config.templates = config.templates.map((path) => resolve(dirname(DEMO_CONFIG), path));
  config.sources.default.url = ports.prometheusUrl;
  config.adapters['demo-deployer'].url = `http://127.0.0.1:${ports.servicePort}/deploy`;
  const file = join(tempDir, 'demo.yaml');
  await writeFile(file, stringify(config));
  return file;
}

function startDaemon(configFile: string, secret: string, tempDir: string): ChildProcess {
  const log = join(tempDir, 'canaryd.log');
  const child = spawn(process.execPath, [CANARYD_BIN, 'serve', '--config', configFile], {
    env: { ...process.env, CANARYD_DEMO_WEBHOOK_SECRET: secret },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: Buffer[] = [];
  const keep = (chunk: Buffer): void => {
    chunks.push(chunk);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.once('exit', () => {
    void writeFile(log, Buffer.concat(chunks)).catch(() => undefined);
  });
  const flush = setInterval(() => {
    void writeFile(log, Buffer.concat(chunks)).catch(() => undefined);
  }, 2_000);
  flush.unref();
  child.once('exit', () => clearInterval(flush));
  return child;
}

async function waitForReady(url: string, daemon: ChildProcess): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (daemon.exitCode !== null) throw new Error(`canaryd serve exited with code ${daemon.exitCode} before it was ready`);
    try {
      const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('canaryd serve was not ready within 20s');
}

async function createAnalysis(daemonUrl: string, service: string): Promise<DemoAnalysis> {
  const response = await fetch(`${daemonUrl}/v1/analyses`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      template: 'demo-web',
      args: { service },
      mode: 'drive',
      adapter: 'demo-deployer',
      target: { service, environment: 'demo', version: 'v2' },
    }),
  });
  const body = (await response.json()) as { id?: string; error?: { message: string } };
  if (response.status !== 201 || !body.id) throw new Error(`creating the ${service} analysis failed: ${response.status} ${body.error?.message ?? ''}`);
  return { id: body.id, service };
}

async function stopAll(started: Started): Promise<void> {
  const daemon = started.daemon;
  if (daemon && daemon.exitCode === null) {
    const exited = new Promise((resolve) => daemon.once('exit', resolve));
    daemon.kill('SIGTERM');
    const timer = setTimeout(() => daemon.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
  await started.service?.close();
  await started.prometheus?.stop();
  if (started.tempDir) await rm(started.tempDir, { recursive: true, force: true });
}
