// The daemon load benchmark: `npm run bench:daemon [-- --analyses N] [-- --duration S] [-- --quick] [-- --stagger] [-- --json FILE]`.
// Starts a real Prometheus scraping the demo service (N services, baseline and canary traffic) and
// `canaryd serve` as its own process, creates the analyses through the HTTP API, then measures for
// --duration: exact tick lags from the audit trail, tick and query durations, ticks missed, the
// daemon's RSS and CPU time (/proc), Prometheus' query rate. Prints a table, writes JSON, and stops
// everything it started, also on Ctrl-C and when --timeout runs out.

import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startEnvironment, stopEnvironment, serviceNames, type Environment } from './daemon-load/environment.js';
import { collectAnalyses, createAnalyses, takeSnapshot, type Snapshot } from './daemon-load/measure.js';
import { parseLoadOptions, type LoadOptions } from './daemon-load/options.js';
import { childPidsNamed, ResourceSampler } from './daemon-load/probes.js';
import { formatReport } from './daemon-load/report.js';
import { computeFigures, type LoadFigures } from './daemon-load/results.js';
import { runReplicasLoad } from './daemon-replicas.js';

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

async function measure(options: LoadOptions, running: Running, signal: AbortSignal): Promise<{ figures: LoadFigures; sampler: ResourceSampler }> {
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
    await sleep(Math.max(0, before.wallMs + options.durationSeconds * 1000 - Date.now()), undefined, { signal });
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
    return { figures, sampler };
  } finally {
    sampler.stop();
  }
}

export async function runDaemonLoad(argv: readonly string[]): Promise<number> {
  const options = parseLoadOptions(argv);
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
    const { figures, sampler } = await measure(options, running, controller.signal);
    print('');
    const context = { analyses: options.analyses, services: options.services, intervalSeconds: options.intervalSeconds, cores: availableParallelism(), stagger: options.stagger, warnings: daemonLog.problems };
    for (const line of formatReport(figures, context)) print(line);
    mkdirSync(dirname(options.json), { recursive: true });
    const document = {
      command: `node dist/bench/daemon-load.js ${argv.join(' ')}`.trim(),
      options,
      machine: machine(),
      figures,
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
