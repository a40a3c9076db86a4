// The benchmark's table, for a terminal and for docs/daemon-load.md.

import type { DaemonStop } from './environment.js';
import type { VerdictComparison } from './http-probes.js';
import type { Distribution } from './lags.js';
import type { Approximate, LoadFigures } from './results.js';

function number(value: number | null, digits = 1): string {
  return value === null || !Number.isFinite(value) ? '-' : value.toFixed(digits);
}

function spread(value: Distribution | Approximate, digits = 1): string {
  const max = 'max' in value ? `  max ${number(value.max, digits)}` : '';
  return `p50 ${number(value.p50, digits)}  p95 ${number(value.p95, digits)}  p99 ${number(value.p99, digits)}${max}  mean ${number(value.mean, digits)}  (n=${value.count})`;
}

export interface ReportContext {
  analyses: number;
  services: number;
  intervalSeconds: number;
  cores: number;
  stagger: boolean;
  warnings: ReadonlyMap<string, number>;
}

export interface HttpFigures {
  /** GET /metrics while measuring: ms of each scrape and the size of the last. */
  scrapesMs: Distribution;
  scrapeBytes: number | null;
  verdict: VerdictComparison | null;
  stop: DaemonStop | null;
  /** From spawning canaryd serve again on the same store to /readyz 200. */
  restartToReadyMs: number | null;
}

function load(route: VerdictComparison['verdict']): string {
  return `${number(route.requestsPerSecond, 0)} req/s  p50 ${number(route.latencyMs.p50)}  p99 ${number(route.latencyMs.p99)}  max ${number(route.latencyMs.max)} ms  (errors ${route.errors}, non-2xx ${route.non2xx})${
    route.ticksPerSecond === null ? '' : `  while ${number(route.ticksPerSecond, 1)} ticks/s`
  }`;
}

export function formatHttpReport(http: HttpFigures, analyses: number): string[] {
  const rows: Array<[string, string]> = [
    ['GET /metrics while measuring, ms', `${spread(http.scrapesMs)}  ${http.scrapeBytes === null ? '' : `${(http.scrapeBytes / 2 ** 20).toFixed(1)} MiB`}`],
  ];
  const { verdict } = http;
  if (verdict !== null) {
    rows.push([`verdict route (${verdict.connections} conn, ${verdict.seconds}×${verdict.sliceSeconds}s)`, load(verdict.verdict)]);
    rows.push([`bare fastify, same ${verdict.bodyBytes} B body, slices between`, load(verdict.bare)]);
    rows.push(['verdict ÷ bare', number(verdict.ratio, 3)]);
    const cpuRow = (label: string, route: VerdictComparison['verdict'], server: 'daemonMainThread' | 'bareServer'): void => {
      const cpu = route.cpuSeconds;
      if (cpu === undefined) return;
      const seconds = route.slices.reduce((sum, slice) => sum + (slice.toMs - slice.fromMs) / 1000, 0);
      const perSecond = (value: number): string => number(value / seconds, 2);
      const perRequest = route.requests > 0 ? number((cpu[server] / route.requests) * 1e6, 1) : '-';
      rows.push([
        label,
        `daemon main thread ${perSecond(cpu.daemonMainThread)}, daemon other threads ${perSecond(cpu.daemonOtherThreads)}, bare server ${perSecond(cpu.bareServer)} cores; ${perRequest} µs CPU per request`,
      ]);
    };
    cpuRow('  CPU during the verdict slices', verdict.verdict, 'daemonMainThread');
    cpuRow('  CPU during the bare slices', verdict.bare, 'bareServer');
  }
  if (http.stop !== null) {
    rows.push([
      `SIGTERM → exit, ${analyses} ticking`,
      `${number(http.stop.ms, 0)} ms${http.stop.killed ? ' (killed after the grace period)' : ''}, exit code ${http.stop.exitCode ?? '-'}`,
    ]);
  }
  if (http.restartToReadyMs !== null) rows.push([`restart → /readyz, ${analyses} running`, `${number(http.restartToReadyMs, 0)} ms`]);
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`);
}

export function formatReport(figures: LoadFigures, context: ReportContext): string[] {
  const { ticks, queries, memoryMb, cpu, store } = figures;
  const missedShare = ticks.expected > 0 ? (100 * ticks.missed) / ticks.expected : 0;
  const outcomes = Object.entries(queries.byOutcome)
    .map(([outcome, count]) => `${outcome} ${count}`)
    .join(', ');
  const phases = Object.entries(figures.phases)
    .map(([phase, count]) => `${phase} ${count}`)
    .join(', ');
  const rows: Array<[string, string]> = [
    ['tick lag, ms (exact, events)', spread(figures.tickLagMs.fromEvents)],
    ['tick lag, ms (daemon histogram)', spread(figures.tickLagMs.fromDaemonHistogram)],
    ['tick duration, ms (histogram)', spread(figures.tickDurationMs)],
    [
      'ticks run / due',
      `${ticks.run} / ${ticks.expected}  missed ${ticks.missed} (${number(missedShare)}%)  duplicates ${ticks.duplicates}  ${number(ticks.perSecond)}/s`,
    ],
    ['queries/s (daemon, Prometheus)', `${number(queries.daemonPerSecond)}  ${number(queries.prometheusPerSecond)}   outcomes: ${outcomes || '-'}`],
    ['queries per tick (asked, sent: fan-in)', `${number(queries.daemonPerTick, 2)}  ${number(queries.prometheusPerTick, 2)}`],
    ['query duration, ms (daemon, incl. queue)', spread(queries.durationMs)],
    // Prometheus' request-duration buckets start at 100ms: only the mean says anything here.
    ['query duration, ms (Prometheus side)', `mean ${number(queries.prometheusServeMs.mean)}  (n=${queries.prometheusServeMs.count})`],
    [
      'daemon RSS, MB',
      `idle ${number(memoryMb.idle)}  after creation ${number(memoryMb.afterCreation)}  measuring min ${number(memoryMb.measuring.min)} ${spread(memoryMb.measuring)}`,
    ],
    ['daemon RSS per analysis, KB', number(memoryMb.perAnalysisKb, 0)],
    [
      'CPU, cores (daemon, Prometheus, bench)',
      `${number(cpu.daemonCores, 2)}  ${number(cpu.prometheusCores, 2)}  ${number(cpu.benchCores, 2)}   load avg 1m ${number(cpu.loadAverage1m, 2)} on ${context.cores} cores`,
    ],
    ['GET /healthz, ms (1/s)', spread(figures.healthzMs)],
    [
      'store growth',
      `${(store.growthBytes / 1024).toFixed(0)} KiB  ${number(store.bytesPerTick, 0)} B/tick  tick event payload ${spread(store.tickEventBytes, 0)} B`,
    ],
    ['POST /v1/analyses, ms', spread(figures.creationMs)],
    ['phases at the end', phases],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = [
    `canaryd daemon load: ${context.analyses} analyses over ${context.services} services, interval ${context.intervalSeconds}s, ` +
      `${context.stagger ? 'created spread over one interval' : 'created back to back (ticks come due together)'}, ` +
      `measured ${number(figures.window.seconds, 0)}s (${figures.window.from} .. ${figures.window.to})`,
    '',
    ...rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`),
  ];
  for (const [ending, count] of Object.entries(figures.endings)) lines.push(`  ended: ${count} × ${ending}`);
  if (context.warnings.size > 0) {
    lines.push('', 'daemon warnings/errors (whole run):');
    for (const [message, count] of context.warnings) lines.push(`  ${String(count).padStart(5)}  ${message}`);
  }
  return lines;
}
