// What a daemon under test talks to: the demo service (simulated baseline/canary traffic and a
// deployer that moves it), a real Prometheus scraping it every second, and the recording receiver
// in front of the deployer. Plus the daemon's config, written into a temp dir with free ports.

import { randomBytes } from 'node:crypto';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startDemoService, type DemoService, type DemoServiceSpec } from '../../src/demo/demo-service.js';
import { freePort } from '../helpers/ports.js';
import { startPrometheus, type RunningPrometheus } from '../helpers/prometheus.js';
import { waitFor } from './polling.js';
import { startRecordingReceiver, type RecordingReceiver, type RecordingReceiverOptions } from './recording-receiver.js';

export const ADAPTER = 'deployer';

export function healthyService(name: string): DemoServiceSpec {
  return { name, rps: 400, baseline: { errorShare: 0.01, latencyMedianSeconds: 0.05 }, canary: { errorShare: 0.01, latencyMedianSeconds: 0.05 } };
}

export function failingService(name: string): DemoServiceSpec {
  return { name, rps: 400, baseline: { errorShare: 0.01, latencyMedianSeconds: 0.05 }, canary: { errorShare: 0.4, latencyMedianSeconds: 0.05 } };
}

export interface TrafficStack {
  dir: string;
  secret: string;
  secretFile: string;
  demo: DemoService;
  demoPort: number;
  prometheus: RunningPrometheus;
  receiver: RecordingReceiver;
  /** Another Prometheus scraping the same demo service (startPrometheusFor). */
  startPrometheus(): Promise<RunningPrometheus>;
  stop(): Promise<void>;
}

/** Resolves once Prometheus has scraped the demo service at least twice (rates are defined). */
export async function waitForScrapes(prometheus: RunningPrometheus, timeoutMs = 30_000): Promise<void> {
  let last = '';
  await waitFor(
    'Prometheus to scrape the demo service twice',
    async () => {
      const query = encodeURIComponent('min(count_over_time(up{job="demo-service"}[1m]))');
      const response = await fetch(`${prometheus.url}/api/v1/query?query=${query}`);
      last = await response.text();
      const body = JSON.parse(last) as { data?: { result?: Array<{ value: [number, string] }> } };
      const count = Number(body.data?.result?.[0]?.value[1] ?? 0);
      return count >= 2 ? true : undefined;
    },
    { timeoutMs, intervalMs: 250, lastSeen: () => last },
  );
}

export async function startTrafficStack(
  services: DemoServiceSpec[],
  receiverOptions: Pick<RecordingReceiverOptions, 'delayAnswer'> = {},
): Promise<TrafficStack> {
  const dir = await mkdtemp(join(tmpdir(), 'canaryd-e2e-'));
  const started: Array<() => Promise<void>> = [() => rm(dir, { recursive: true, force: true })];
  const stop = async (): Promise<void> => {
    for (const step of started.reverse()) await step().catch(() => undefined);
    started.length = 0;
  };
  try {
    const secret = randomBytes(24).toString('hex');
    const secretFile = join(dir, 'webhook-secret');
    await writeFile(secretFile, `${secret}\n`, { mode: 0o600 });
    const demoPort = await freePort();
    const demo = await startDemoService({ port: demoPort, secret, services });
    started.push(() => demo.close());
    const startPrometheusFor = async (): Promise<RunningPrometheus> => {
      const instance = await startPrometheus({
        scrapeConfigs: [{ job: 'demo-service', target: `127.0.0.1:${demoPort}`, intervalSeconds: 1 }],
        retention: '1d',
      });
      started.push(() => instance.stop());
      await waitForScrapes(instance);
      return instance;
    };
    const prometheus = await startPrometheusFor();
    const receiver = await startRecordingReceiver({ secret, forwardTo: `${demo.url}/deploy`, ...receiverOptions });
    started.push(() => receiver.close());
    return { dir, secret, secretFile, demo, demoPort, prometheus, receiver, startPrometheus: startPrometheusFor, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface DaemonConfigInput {
  dir: string;
  prometheusUrl: string;
  receiverUrl: string;
  secretFile: string;
  /** A folder of templates; default: <dir>/templates. */
  templatesDir?: string;
  /** Default: <dir>/canaryd.db. */
  storePath?: string;
  sourceTimeout?: string;
  /** server.engineThread (default: the config's, main). */
  engineThread?: 'main' | 'worker';
}

/** Suites that run once per server.engineThread. */
export const ENGINE_THREADS = ['main', 'worker'] as const;

export interface WrittenConfig {
  file: string;
  url: string;
  storePath: string;
  templatesDir: string;
}

export async function writeDaemonConfig(input: DaemonConfigInput, name = 'canaryd.yaml'): Promise<WrittenConfig> {
  const port = await freePort();
  const templatesDir = input.templatesDir ?? join(input.dir, 'templates');
  await mkdir(templatesDir, { recursive: true });
  const storePath = input.storePath ?? join(input.dir, 'canaryd.db');
  const config = {
    server: { host: '127.0.0.1', port, ...(input.engineThread === undefined ? {} : { engineThread: input.engineThread }) },
    store: { type: 'sqlite', path: storePath },
    templates: [templatesDir],
    sources: { default: { type: 'prometheus', url: input.prometheusUrl, timeout: input.sourceTimeout ?? '2s' } },
    adapters: {
      [ADAPTER]: { type: 'webhook', url: input.receiverUrl, secretFile: input.secretFile, timeout: '2s', retries: 2 },
      'dry-run': { type: 'log' },
    },
    log: { level: 'info' },
  };
  const file = join(input.dir, name);
  await writeFile(file, stringify(config));
  return { file, url: `http://127.0.0.1:${port}`, storePath, templatesDir };
}
