// The daemon load benchmark: `npm run bench:daemon -- --help` for its options.
// Starts a real Prometheus scraping the demo service (N services, baseline and canary traffic) and
// `canaryd serve` as its own process, creates the analyses through the HTTP API, then measures for
// --duration: exact tick lags from the audit trail, tick and query durations, ticks missed, queries
// per tick (asked by the ticks, sent to Prometheus), the daemon's RSS and CPU time (/proc), /metrics
// scrapes. Then the verdict route against a bare fastify route (autocannon), SIGTERM → exit and a
// restart → /readyz with every analysis running. Prints a table, writes JSON, and stops everything
// it started, also on Ctrl-C and when --timeout runs out.

import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { startDaemon, startEnvironment, stopDaemon, stopEnvironment, serviceNames, type Environment } from './daemon-load/environment.js';
import { compareVerdictRoute, type LoadSlice, timeScrape } from './daemon-load/http-probes.js';
import { distribution } from './daemon-load/lags.js';
import { collectAnalyses, createAnalyses, takeSnapshot, type CreatedAnalysis, type Snapshot } from './daemon-load/measure.js';
import { parseLoadOptions, UsageError, USAGE, type LoadOptions } from './daemon-load/options.js';
import { childPidsNamed, ResourceSampler } from './daemon-load/probes.js';
import { formatHttpReport, formatReport, type HttpFigures } from './daemon-load/report.js';
import { computeFigures, type LoadFigures } from './daemon-load/results.js';
import { runReplicasLoad } from './daemon-replicas.js';

const BARE_SERVER_SCRIPT = fileURLToPath(new URL('./daemon-load/bare-server.js', import.meta.url));

const IDLE_SAMPLE_MS = 3_000;
const DRAIN_EXTRA_MS = 2_000;

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

function machine(): Record<string, string | number> {
  return {
    cores: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

interface Running {
  environment: Environment;
  daemonPid: number;
  prometheusPid: number | null;
  daemonUrl: string;
  prometheusUrl: string;
  storePath: string;
}

/** GET /metrics every `everySeconds` until `signal` or the returned stop() (Prometheus' scrapes of the daemon). */
function scrapeRegularly(daemonUrl: string, everySeconds: number, signal: AbortSignal): { stop: () => Promise<{ ms: number[]; bytes: number | null }> } {
  const ms: number[] = [];
  let bytes: number | null = null;
  let stopped = false;
  const loop = (async () => {
    while (!stopped && !signal.aborted && everySeconds > 0) {
      try {
        const scrape = await timeScrape(daemonUrl);
        ms.push(scrape.ms);
        bytes = scrape.bytes;
      } catch {
        // counted as missing: the table shows n
      }
      await sleep(everySeconds * 1000, undefined, { signal }).catch(() => undefined);
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await Promise.race([loop, sleep(100)]);
      return { ms, bytes };
    },
  };
}

async function measure(
  options: LoadOptions,
  running: Running,
  signal: AbortSignal,
): Promise<{ figures: LoadFigures; sampler: ResourceSampler; created: CreatedAnalysis[]; scrapes: { ms: number[]; bytes: number | null } }> {
  const intervalMs = options.intervalSeconds * 1000;
  const urls = { daemon: running.daemonUrl, prometheus: running.prometheusUrl };
  const pids = { daemon: running.daemonPid, prometheus: running.prometheusPid };
  const sampler = new ResourceSampler(running.daemonPid, running.daemonUrl, running.prometheusPid);
  sampler.start();
  try {
    await sleep(IDLE_SAMPLE_MS, undefined, { signal });
    sampler.phase = 'creating';
    print(`creating ${options.analyses} analyses…`);
    const spreadMs = options.stagger ? intervalMs : 0;
    const created = await createAnalyses(running.daemonUrl, options.analyses, running.environment.serviceNames, signal, spreadMs);
    sampler.phase = 'warm-up';
    // The template's initial delay is one interval; one more so every analysis has judged once.
    const lastStart = Math.max(...created.map((analysis) => analysis.startedAtMs));
    const warmUpUntil = lastStart + 2 * intervalMs + 1_000;
    print(`created in ${((Date.now() - (created[0]?.startedAtMs ?? Date.now())) / 1000).toFixed(1)}s; warming up…`);
    await sleep(Math.max(0, warmUpUntil - Date.now()), undefined, { signal });

    const before: Snapshot = await takeSnapshot(urls, pids, running.storePath);
    sampler.phase = 'measuring';
    print(`measuring for ${options.durationSeconds}s…`);
    const scraping = scrapeRegularly(running.daemonUrl, options.scrapeEverySeconds, signal);
    await sleep(Math.max(0, before.wallMs + options.durationSeconds * 1000 - Date.now()), undefined, { signal });
    const scrapes = await scraping.stop();
    const after = await takeSnapshot(urls, pids, running.storePath);
    sampler.phase = 'draining';
    // Ticks that started before the window's end commit their events a little later.
    await sleep(intervalMs + DRAIN_EXTRA_MS, undefined, { signal });
    const collected = await collectAnalyses(running.daemonUrl, created, signal);
    sampler.stop();
    const figures = computeFigures({
      analyses: options.analyses,
      intervalMs,
      initialDelayMs: intervalMs,
      created,
      collected,
      before,
      after,
      samples: sampler.samples,
    });
    return { figures, sampler, created, scrapes };
  } finally {
    sampler.stop();
  }
}

/** Pause after a burst's first slot before loading the routes, so the burst is under way. */
const BURST_SETTLE_MS = 500;
/** --verdict-load-during quiet: a burst of 10 000 ticks lasts ≈ 15–25 s on 2 cores. */
const QUIET_AFTER_BURST_MS = 30_000;

/** Ticks started within the slices, per second of them, from the tick events in the store file. */
function ticksPerSecond(storePath: string, slices: readonly LoadSlice[]): number {
  const db = new Database(storePath, { readonly: true, fileMustExist: true });
  try {
    const count = db.prepare<[string, string], { n: number }>("SELECT count(*) AS n FROM events WHERE type = 'tick' AND at >= ? AND at < ?");
    let ticks = 0;
    let ms = 0;
    for (const { fromMs, toMs } of slices) {
      ticks += count.get(new Date(fromMs).toISOString(), new Date(toMs).toISOString())?.n ?? 0;
      ms += toMs - fromMs;
    }
    return ms > 0 ? ticks / (ms / 1000) : 0;
  } finally {
    db.close();
  }
}

/** After the window: the verdict route against a bare route (both while ticking), SIGTERM → exit, restart → /readyz. */
async function probeHttp(
  options: LoadOptions,
  environment: Environment,
  created: readonly CreatedAnalysis[],
  scrapes: { ms: number[]; bytes: number | null },
  signal: AbortSignal,
): Promise<HttpFigures> {
  const http: HttpFigures = { scrapesMs: distribution(scrapes.ms), scrapeBytes: scrapes.bytes, verdict: null, stop: null, restartToReadyMs: null };
  const { daemonUrl, tempDir } = environment;
  const first = created[0];
  if (options.verdictLoadSeconds > 0 && first !== undefined && daemonUrl !== undefined && tempDir !== undefined) {
    if (!options.stagger) {
      // Created back to back, the analyses tick in one burst per interval: load both routes inside it.
      const intervalMs = options.intervalSeconds * 1000;
      const nextBurst = first.startedAtMs + Math.ceil((Date.now() - first.startedAtMs) / intervalMs) * intervalMs + BURST_SETTLE_MS;
      // quiet: after the burst's ticks ran, so the load ends before the next burst (needs intervals ≥ 2 loads + a burst).
      const startAt = options.verdictLoadDuring === 'burst' ? nextBurst : nextBurst + QUIET_AFTER_BURST_MS;
      print(
        `waiting ${((startAt - Date.now()) / 1000).toFixed(1)}s for the ${options.verdictLoadDuring === 'burst' ? 'next burst of ticks' : 'end of the next burst'}…`,
      );
      await sleep(Math.max(0, startAt - Date.now()), undefined, { signal });
    }
    print(
      `verdict route against a bare fastify route, ${options.verdictLoadSeconds}s each, ${options.verdictLoadDuring === 'burst' ? 'while ticking' : 'between bursts'}…`,
    );
    http.verdict = await compareVerdictRoute({
      daemonUrl,
      analysisId: first.id,
      bareServerScript: BARE_SERVER_SCRIPT,
      tempDir,
      connections: options.connections,
      seconds: options.verdictLoadSeconds,
      ...(environment.daemon?.pid === undefined ? {} : { daemonPid: environment.daemon.pid }),
    });
    if (environment.storePath !== undefined) {
      for (const route of [http.verdict.verdict, http.verdict.bare]) route.ticksPerSecond = ticksPerSecond(environment.storePath, route.slices);
    }
  }
  if (!options.skipRestart && environment.daemon !== undefined) {
    print('SIGTERM with every analysis ticking, then a restart to /readyz…');
    http.stop = await stopDaemon(environment.daemon);
    http.restartToReadyMs = await startDaemon(environment, signal);
  }
  return http;
}

export async function runDaemonLoad(argv: readonly string[]): Promise<number> {
  let options: LoadOptions;
  try {
    const parsed = parseLoadOptions(argv);
    if (parsed === null) {
      print(USAGE);
      return 0;
    }
    options = parsed;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n${USAGE}\n`);
    return 2;
  }
  if (options.store === 'postgres') return runReplicasLoad(options, argv);
  const controller = new AbortController();
  const interrupt = (): void => {
    print('stopping: interrupted');
    controller.abort(new Error('interrupted'));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  const deadline = setTimeout(() => controller.abort(new Error(`timed out after ${options.timeoutSeconds}s`)), options.timeoutSeconds * 1000);
  const environment: Environment = { serviceNames: serviceNames(options.services) };
  try {
    await startEnvironment(environment, { ...options, print, signal: controller.signal });
    const { daemon, daemonUrl, prometheus, storePath, daemonLog } = environment;
    if (daemon?.pid === undefined || daemonUrl === undefined || prometheus === undefined || storePath === undefined || daemonLog === undefined) {
      throw new Error('the environment did not start completely');
    }
    const running: Running = {
      environment,
      daemonPid: daemon.pid,
      prometheusPid: childPidsNamed('prometheus')[0] ?? null,
      daemonUrl,
      prometheusUrl: prometheus.url,
      storePath,
    };
    const { figures, sampler, created, scrapes } = await measure(options, running, controller.signal);
    const http = await probeHttp(options, environment, created, scrapes, controller.signal);
    print('');
    const context = {
      analyses: options.analyses,
      services: options.services,
      intervalSeconds: options.intervalSeconds,
      cores: availableParallelism(),
      stagger: options.stagger,
      warnings: daemonLog.problems,
    };
    for (const line of formatReport(figures, context)) print(line);
    for (const line of formatHttpReport(http, options.analyses)) print(line);
    mkdirSync(dirname(options.json), { recursive: true });
    const document = {
      command: `node dist-bench/bench/daemon-load.js ${argv.join(' ')}`.trim(),
      options,
      machine: machine(),
      figures,
      http,
      daemonWarnings: Object.fromEntries(daemonLog.problems),
      samples: sampler.samples,
    };
    writeFileSync(options.json, `${JSON.stringify(document, null, 2)}\n`);
    print('');
    print(`wrote ${options.json}`);
    return 0;
  } catch (error) {
    const reason = controller.signal.aborted ? controller.signal.reason : error;
    process.stderr.write(`daemon load benchmark failed: ${reason instanceof Error ? reason.message : String(reason)}\n`);
    const tail = environment.daemonLog?.tail() ?? [];
    if (tail.length > 0 && !controller.signal.aborted) process.stderr.write(`last daemon log lines:\n${tail.slice(-10).join('\n')}\n`);
    return 1;
  } finally {
    clearTimeout(deadline);
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
    print('stopping canaryd, Prometheus and the demo service…');
    await stopEnvironment(environment);
  }
}

process.exitCode = await runDaemonLoad(process.argv.slice(2));
