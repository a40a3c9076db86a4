// The benchmark's I/O against the running daemon: create the analyses, take snapshots of the
// daemon's and Prometheus' counters at the window's edges, and read every analysis' audit trail.

import { cpuUsage } from 'node:process';
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseExposition, type Sample } from './exposition.js';
import { fetchText, readCpuSeconds, storeBytes } from './probes.js';
import { BENCH_TEMPLATE } from './template.js';

export interface CreatedAnalysis {
  id: string;
  service: string;
  startedAtMs: number;
  /** How long POST /v1/analyses took. */
  createMs: number;
}

export interface Snapshot {
  wallMs: number;
  daemonMetrics: Sample[];
  prometheusMetrics: Sample[];
  daemonCpuSeconds: number | null;
  prometheusCpuSeconds: number | null;
  benchCpuSeconds: number;
  storeBytes: number;
  loadAverage1m: number;
}

export interface CollectedEvent {
  type: string;
  atMs: number;
  /** Bytes of the payload as JSON. */
  payloadBytes: number;
}

export interface CollectedAnalysis {
  id: string;
  startedAtMs: number;
  phase: string;
  /** When and by which rule it ended (null while it runs); it is not due after that. */
  decidedAtMs: number | null;
  decidedBy: string | null;
  reason: string | null;
  events: CollectedEvent[];
}

interface ViewBody {
  phase?: string;
  decidedAt?: string | null;
  decidedBy?: { group: string; id: string } | null;
  lastVerdict?: { reason?: string } | null;
}

interface ErrorBody {
  error?: { message?: string };
}

async function createOne(daemonUrl: string, index: number, service: string): Promise<CreatedAnalysis> {
  const started = performance.now();
  const response = await fetch(`${daemonUrl}/v1/analyses`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      template: BENCH_TEMPLATE,
      args: { service },
      mode: 'drive',
      adapter: 'dry-run',
      target: { service, environment: 'bench', version: `v2-${index}` },
    }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await response.json()) as { id?: string; startedAt?: string } & ErrorBody;
  if (response.status !== 201 || body.id === undefined || body.startedAt === undefined) {
    throw new Error(`creating analysis ${index + 1} failed: ${response.status} ${body.error?.message ?? ''}`);
  }
  return { id: body.id, service, startedAtMs: Date.parse(body.startedAt), createMs: performance.now() - started };
}

/** Creations in flight at once when not spread: back to back, as fast as the daemon takes them. */
const CREATE_CONCURRENCY = 8;

export async function createAnalyses(
  daemonUrl: string,
  count: number,
  services: readonly string[],
  signal: AbortSignal,
  /** Spread the creations over this long (0: back to back, a few at a time). */
  spreadMs = 0,
): Promise<CreatedAnalysis[]> {
  const created: CreatedAnalysis[] = [];
  const origin = Date.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      signal.throwIfAborted();
      const index = next++;
      const due = origin + (spreadMs * index) / count;
      if (due > Date.now()) await sleep(due - Date.now(), undefined, { signal });
      created.push(await createOne(daemonUrl, index, services[index % services.length] as string));
    }
  };
  await Promise.all(Array.from({ length: spreadMs > 0 ? 1 : CREATE_CONCURRENCY }, worker));
  return created.sort((a, b) => a.startedAtMs - b.startedAtMs);
}

export async function takeSnapshot(
  urls: { daemon: string; prometheus: string },
  pids: { daemon: number; prometheus: number | null },
  storePath: string,
): Promise<Snapshot> {
  const [daemonText, prometheusText] = await Promise.all([fetchText(`${urls.daemon}/metrics`, 60_000), fetchText(`${urls.prometheus}/metrics`)]);
  const usage = cpuUsage();
  return {
    wallMs: Date.now(),
    daemonMetrics: parseExposition(daemonText),
    prometheusMetrics: parseExposition(prometheusText),
    daemonCpuSeconds: readCpuSeconds(pids.daemon),
    prometheusCpuSeconds: pids.prometheus === null ? null : readCpuSeconds(pids.prometheus),
    benchCpuSeconds: (usage.user + usage.system) / 1e6,
    storeBytes: storeBytes(storePath),
    loadAverage1m: loadavg()[0] ?? 0,
  };
}

interface EventsBody {
  events?: Array<{ type: string; at: string; payload: unknown }>;
}

async function collectOne(daemonUrl: string, analysis: CreatedAnalysis): Promise<CollectedAnalysis> {
  const [viewText, eventsText] = await Promise.all([
    fetchText(`${daemonUrl}/v1/analyses/${analysis.id}`, 30_000),
    fetchText(`${daemonUrl}/v1/analyses/${analysis.id}/events`, 30_000),
  ]);
  const view = JSON.parse(viewText) as ViewBody;
  const events = ((JSON.parse(eventsText) as EventsBody).events ?? []).map((event) => ({
    type: event.type,
    atMs: Date.parse(event.at),
    payloadBytes: Buffer.byteLength(JSON.stringify(event.payload)),
  }));
  return {
    id: analysis.id,
    startedAtMs: analysis.startedAtMs,
    phase: view.phase ?? 'unknown',
    decidedAtMs: view.decidedAt ? Date.parse(view.decidedAt) : null,
    decidedBy: view.decidedBy ? `${view.decidedBy.group}/${view.decidedBy.id}` : null,
    reason: view.lastVerdict?.reason ?? null,
    events,
  };
}

/** Every analysis' phase and events, a few requests at a time. */
export async function collectAnalyses(daemonUrl: string, analyses: readonly CreatedAnalysis[], signal: AbortSignal): Promise<CollectedAnalysis[]> {
  const collected: CollectedAnalysis[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < analyses.length) {
      signal.throwIfAborted();
      const analysis = analyses[next++] as CreatedAnalysis;
      collected.push(await collectOne(daemonUrl, analysis));
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return collected;
}
