// Turns what the benchmark observed into its figures. Pure: no I/O, no clock.

import { histogramDelta, histogramOf, histogramQuantile, sumOf, type HistogramSnapshot, type Sample } from './exposition.js';
import { distribution, tickLags, type Distribution } from './lags.js';
import type { CollectedAnalysis, CreatedAnalysis, Snapshot } from './measure.js';
import type { ResourceSample } from './probes.js';

export interface ResultInput {
  analyses: number;
  intervalMs: number;
  initialDelayMs: number;
  created: readonly CreatedAnalysis[];
  collected: readonly CollectedAnalysis[];
  before: Snapshot;
  after: Snapshot;
  samples: readonly ResourceSample[];
}

export interface Approximate {
  p50: number | null;
  p95: number | null;
  p99: number | null;
  mean: number | null;
  count: number;
}

export interface LoadFigures {
  window: { from: string; to: string; seconds: number };
  tickLagMs: { fromEvents: Distribution; fromDaemonHistogram: Approximate };
  tickDurationMs: Approximate;
  ticks: { expected: number; run: number; missed: number; duplicates: number; perSecond: number };
  queries: {
    daemonPerSecond: number;
    prometheusPerSecond: number;
    /** Queries the ticks asked for, per tick run (before fan-in). */
    daemonPerTick: number | null;
    /** Requests Prometheus received, per tick run (after fan-in). */
    prometheusPerTick: number | null;
    byOutcome: Record<string, number>;
    /** As the daemon sees it: the wait for a free query slot (the limiter) included. */
    durationMs: Approximate;
    /** As Prometheus sees it (its coarse request-duration buckets; the mean is exact). */
    prometheusServeMs: Approximate;
  };
  memoryMb: {
    idle: number | null;
    afterCreation: number | null;
    measuring: Distribution;
    /** (mean RSS while measuring − idle RSS) / analyses. */
    perAnalysisKb: number | null;
    prometheusMeasuringMax: number | null;
  };
  cpu: { daemonCores: number | null; prometheusCores: number | null; benchCores: number; loadAverage1m: number };
  healthzMs: Distribution;
  store: { growthBytes: number; bytesPerTick: number | null; tickEventBytes: Distribution };
  creationMs: Distribution;
  phases: Record<string, number>;
  /** "phase by rule: reason" of the analyses that ended during the run, with counts. */
  endings: Record<string, number>;
}

const MB = 1024;

function approximate(histogram: HistogramSnapshot, scale: number): Approximate {
  const at = (q: number): number | null => {
    const value = histogramQuantile(histogram, q);
    return value === null ? null : value * scale;
  };
  return {
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
    mean: histogram.count > 0 ? (histogram.sum / histogram.count) * scale : null,
    count: histogram.count,
  };
}

function windowHistogram(
  input: ResultInput,
  name: string,
  pick: (snapshot: Snapshot) => Sample[],
  where: Record<string, string | RegExp> = {},
): HistogramSnapshot {
  return histogramDelta(histogramOf(pick(input.before), name, where), histogramOf(pick(input.after), name, where));
}

const QUERY_HANDLERS = { handler: /^\/api\/v1\/query(_range)?$/ };

function outcomes(input: ResultInput): Record<string, number> {
  const byOutcome: Record<string, number> = {};
  for (const sample of input.after.daemonMetrics) {
    if (sample.name !== 'canaryd_source_queries_total') continue;
    const outcome = sample.labels.outcome ?? 'unknown';
    const earlier = sumOf(input.before.daemonMetrics, 'canaryd_source_queries_total', { outcome });
    byOutcome[outcome] = (byOutcome[outcome] ?? 0) + sample.value - earlier;
  }
  return byOutcome;
}

function coresUsed(before: number | null, after: number | null, seconds: number): number | null {
  return before === null || after === null || seconds <= 0 ? null : (after - before) / seconds;
}

function lastValue(values: ReadonlyArray<number | null>): number | null {
  for (let index = values.length - 1; index >= 0; index -= 1) if (values[index] !== null) return values[index] as number;
  return null;
}

export function computeFigures(input: ResultInput): LoadFigures {
  const { before, after } = input;
  const seconds = (after.wallMs - before.wallMs) / 1000;
  const lags = tickLags(
    input.collected.map((analysis) => ({
      startedAtMs: analysis.startedAtMs,
      intervalMs: input.intervalMs,
      initialDelayMs: input.initialDelayMs,
      tickAtMs: analysis.events.filter((event) => event.type === 'tick').map((event) => event.atMs),
      endedAtMs: analysis.decidedAtMs,
    })),
    before.wallMs,
    after.wallMs,
  );
  const tickEvents = input.collected.flatMap((analysis) =>
    analysis.events.filter((event) => event.type === 'tick' && event.atMs >= before.wallMs && event.atMs < after.wallMs),
  );
  const byPhase = (phase: ResourceSample['phase']): ResourceSample[] => input.samples.filter((sample) => sample.phase === phase);
  const measuring = byPhase('measuring');
  const rssMb = (samples: readonly ResourceSample[]): Array<number | null> =>
    samples.map((sample) => (sample.daemonRssKb === null ? null : sample.daemonRssKb / MB));
  const measuringRss = distribution(rssMb(measuring).filter((value): value is number => value !== null));
  const idle = lastValue(rssMb(byPhase('idle')));
  const prometheusRss = measuring.map((sample) => sample.prometheusRssKb).filter((value): value is number => value !== null);
  const queriesToPrometheus = (snapshot: Snapshot): number => sumOf(snapshot.prometheusMetrics, 'prometheus_http_requests_total', QUERY_HANDLERS);
  const queriesByDaemon = (snapshot: Snapshot): number => sumOf(snapshot.daemonMetrics, 'canaryd_source_queries_total');
  const phases: Record<string, number> = {};
  const endings: Record<string, number> = {};
  for (const analysis of input.collected) {
    phases[analysis.phase] = (phases[analysis.phase] ?? 0) + 1;
    if (analysis.decidedAtMs === null) continue;
    const ending = `${analysis.phase} by ${analysis.decidedBy ?? '-'}: ${analysis.reason ?? ''}`;
    endings[ending] = (endings[ending] ?? 0) + 1;
  }

  return {
    window: { from: new Date(before.wallMs).toISOString(), to: new Date(after.wallMs).toISOString(), seconds },
    tickLagMs: {
      fromEvents: distribution(lags.lagsMs),
      fromDaemonHistogram: approximate(
        windowHistogram(input, 'canaryd_tick_lag_seconds', (s) => s.daemonMetrics),
        1000,
      ),
    },
    tickDurationMs: approximate(
      windowHistogram(input, 'canaryd_tick_duration_seconds', (s) => s.daemonMetrics),
      1000,
    ),
    ticks: { expected: lags.expected, run: lags.run, missed: lags.missed, duplicates: lags.duplicates, perSecond: lags.run / seconds },
    queries: {
      daemonPerSecond: (queriesByDaemon(after) - queriesByDaemon(before)) / seconds,
      prometheusPerSecond: (queriesToPrometheus(after) - queriesToPrometheus(before)) / seconds,
      daemonPerTick: lags.run > 0 ? (queriesByDaemon(after) - queriesByDaemon(before)) / lags.run : null,
      prometheusPerTick: lags.run > 0 ? (queriesToPrometheus(after) - queriesToPrometheus(before)) / lags.run : null,
      byOutcome: outcomes(input),
      durationMs: approximate(
        windowHistogram(input, 'canaryd_source_query_duration_seconds', (s) => s.daemonMetrics),
        1000,
      ),
      prometheusServeMs: approximate(
        windowHistogram(input, 'prometheus_http_request_duration_seconds', (s) => s.prometheusMetrics, QUERY_HANDLERS),
        1000,
      ),
    },
    memoryMb: {
      idle,
      afterCreation: rssMb(byPhase('warm-up')).find((value) => value !== null) ?? null,
      measuring: measuringRss,
      perAnalysisKb: idle === null || measuringRss.mean === null ? null : ((measuringRss.mean - idle) * MB) / input.analyses,
      prometheusMeasuringMax: prometheusRss.length === 0 ? null : Math.max(...prometheusRss) / MB,
    },
    cpu: {
      daemonCores: coresUsed(before.daemonCpuSeconds, after.daemonCpuSeconds, seconds),
      prometheusCores: coresUsed(before.prometheusCpuSeconds, after.prometheusCpuSeconds, seconds),
      benchCores: (after.benchCpuSeconds - before.benchCpuSeconds) / seconds,
      loadAverage1m: after.loadAverage1m,
    },
    healthzMs: distribution(measuring.map((sample) => sample.healthzMs).filter((value): value is number => value !== null)),
    store: {
      growthBytes: after.storeBytes - before.storeBytes,
      bytesPerTick: lags.run > 0 ? (after.storeBytes - before.storeBytes) / lags.run : null,
      tickEventBytes: distribution(tickEvents.map((event) => event.payloadBytes)),
    },
    creationMs: distribution(input.created.map((analysis) => analysis.createMs)),
    phases,
    endings,
  };
}
