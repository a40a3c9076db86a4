// A real Prometheus for the demo and the integration tests: optional backfilled history (promtool),
// a free loopback port, a temp dir, always stopped (stop(), or at process exit).
//
// What we found about backfilling on Prometheus 2.42 (Debian's):
// - promtool writes blocks of at most 2h, aligned to 2h boundaries; Prometheus loads every block
//   in the data dir while opening the TSDB, before /-/ready answers 200, so backfilled samples are
//   queryable as soon as it is ready (the integration test checks this).
// - promtool imposes no "too old"/"out of bounds" limit relative to now: samples from days ago up
//   to now (even the future) are accepted. The "out of bounds" rule only concerns samples appended
//   to the head of a RUNNING Prometheus; we backfill before starting it, so it never applies.
//   Blocks that overlap each other or the head are allowed (warned about, then compacted).
// - Time-based retention is measured from the newest block's end, not from now: with the default
//   15d, history older than 15d before the newest sample would be deleted at start-up; hence 100y.
// - An instant query at t sees the latest sample in (t − 5m, t] (the default lookback delta), so
//   query inside the backfilled range or at most 5m after its end.
// - Within one series, out-of-order or duplicate samples are dropped silently (see openmetrics.ts).
// - Scraping: the first scrape of a configured target comes ~5s after start (Prometheus batches
//   target discovery updates every 5s), whatever intervalSeconds says.
// Prometheus never listens on 9090 here: every instance gets a free port.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';

const execFileAsync = promisify(execFile);

export interface ScrapeConfig {
  job: string;
  /** host:port */
  target: string;
  intervalSeconds?: number;
  /** Default /metrics. */
  metricsPath?: string;
}

export interface StartPrometheusOptions {
  /** OpenMetrics text ending with "# EOF", backfilled before Prometheus starts. */
  openMetrics?: string;
  scrapeConfigs?: ScrapeConfig[];
  /** --storage.tsdb.retention.time; default 100y so old backfilled blocks are kept. */
  retention?: string;
}

export interface RunningPrometheus {
  url: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 20_000;
const READY_POLL_MS = 50;
const STOP_GRACE_MS = 5_000;
const LISTEN_ATTEMPTS = 3;
const OUTPUT_TAIL_CHARS = 4_000;
const MISSING_BINARY_HINT = 'install it with `node scripts/ensure-prometheus.mjs` (Debian package "prometheus")';

const running = new Set<{ child: ChildProcess; tempDir: string }>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const instance of running) {
      instance.child.kill('SIGKILL');
      rmSync(instance.tempDir, { recursive: true, force: true });
    }
  });
}

function isMissingBinary(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ENOENT';
}

async function backfill(openMetrics: string, tempDir: string, dataDir: string): Promise<void> {
  if (!openMetrics.trimEnd().endsWith('# EOF')) {
    throw new Error('startPrometheus: openMetrics must end with "# EOF" (use openMetricsDocument)');
  }
  const file = join(tempDir, 'backfill.om');
  await writeFile(file, openMetrics.endsWith('\n') ? openMetrics : `${openMetrics}\n`);
  try {
    await execFileAsync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', file, dataDir], {
      timeout: 60_000,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    if (isMissingBinary(error)) throw new Error(`promtool is not on PATH; ${MISSING_BINARY_HINT}`);
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`promtool could not backfill the OpenMetrics text: ${stderr.trim().slice(-OUTPUT_TAIL_CHARS)}`);
  }
}

function prometheusConfig(scrapeConfigs: ScrapeConfig[]): string {
  // JSON is valid YAML.
  return JSON.stringify({
    global: { scrape_interval: '15s', evaluation_interval: '15s' },
    scrape_configs: scrapeConfigs.map((config) => ({
      job_name: config.job,
      scrape_interval: `${config.intervalSeconds ?? 15}s`,
      metrics_path: config.metricsPath ?? '/metrics',
      static_configs: [{ targets: [config.target] }],
    })),
  });
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  if (await waitForExit(child, STOP_GRACE_MS)) return;
  child.kill('SIGKILL');
  await waitForExit(child, STOP_GRACE_MS);
}

type LaunchResult = { ok: true; child: ChildProcess } | { ok: false; portTaken: boolean; reason: string };

async function launch(args: string[], url: string): Promise<LaunchResult> {
  const child = spawn('prometheus', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keepTail = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on('data', keepTail);
  child.stderr?.on('data', keepTail);
  let spawnError: unknown;
  child.once('error', (error) => {
    spawnError = error;
  });

  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (spawnError !== undefined) {
      if (isMissingBinary(spawnError)) throw new Error(`prometheus is not on PATH; ${MISSING_BINARY_HINT}`);
      return { ok: false, portTaken: false, reason: String(spawnError) };
    }
    if (child.exitCode !== null || child.signalCode !== null) {
      const portTaken = /address already in use/.test(output);
      return { ok: false, portTaken, reason: `it exited (${child.exitCode ?? child.signalCode}). Output:\n${output}` };
    }
    try {
      const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) return { ok: true, child };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
  }
  await terminate(child);
  return { ok: false, portTaken: false, reason: `not ready after ${READY_TIMEOUT_MS}ms. Output:\n${output}` };
}

export async function startPrometheus(options: StartPrometheusOptions = {}): Promise<RunningPrometheus> {
  const tempDir = await mkdtemp(join(tmpdir(), 'canaryd-prometheus-'));
  const dataDir = join(tempDir, 'data');
  try {
    await mkdir(dataDir);
    if (options.openMetrics !== undefined) await backfill(options.openMetrics, tempDir, dataDir);
    const configFile = join(tempDir, 'prometheus.yml');
    await writeFile(configFile, prometheusConfig(options.scrapeConfigs ?? []));

    let failure = '';
    for (let attempt = 1; attempt <= LISTEN_ATTEMPTS; attempt += 1) {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const result = await launch(
        [
          `--config.file=${configFile}`,
          `--storage.tsdb.path=${dataDir}`,
          `--web.listen-address=127.0.0.1:${port}`,
          `--storage.tsdb.retention.time=${options.retention ?? '100y'}`,
        ],
        url,
      );
      if (result.ok) return track(result.child, { url, port, dataDir, tempDir });
      failure = result.reason;
      if (!result.portTaken) break;
    }
    throw new Error(`prometheus did not start: ${failure}`);
  } catch (error) {
    await rm(tempDir, { recursive: true, force: true });
    throw error;
  }
}

function track(child: ChildProcess, where: { url: string; port: number; dataDir: string; tempDir: string }): RunningPrometheus {
  const instance = { child, tempDir: where.tempDir };
  running.add(instance);
  installExitHook();
  let stopping: Promise<void> | undefined;
  return {
    url: where.url,
    port: where.port,
    dataDir: where.dataDir,
    stop() {
      stopping ??= (async () => {
        await terminate(child);
        running.delete(instance);
        await rm(where.tempDir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}
