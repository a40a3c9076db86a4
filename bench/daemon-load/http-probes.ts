// What the load benchmark asks of the daemon's HTTP side once ticking is measured: the verdict
// route against a bare fastify route with the same body (autocannon, the same connections, in
// alternating 1-second slices so both see the same burst of ticks), and the time of one /metrics
// scrape.

import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { addCpu, cpuBetween, type CpuSeconds, readCpu } from './thread-cpu.js';

export interface LoadSlice {
  fromMs: number;
  toMs: number;
}

export interface RouteLoad {
  /** Wall-clock window of the measured load (epoch ms): from the first slice to the end of the last. */
  fromMs: number;
  toMs: number;
  /** The slices the route was loaded in (the other route's lie between them); ticks are counted in these. */
  slices: LoadSlice[];
  /** Ticks the daemon started during the window, per second (null: not counted). */
  ticksPerSecond: number | null;
  /** Requests of all slices ÷ their seconds. */
  requestsPerSecond: number;
  /** p50: the median of the slices'; p99 and max: the worst slice's. */
  latencyMs: { p50: number; p99: number; max: number };
  requests: number;
  errors: number;
  non2xx: number;
  /** CPU spent during the slices (Linux, and only in the daemon benchmark). */
  cpuSeconds?: CpuSeconds;
}

export interface VerdictComparison {
  bodyBytes: number;
  connections: number;
  /** Seconds of load per route, in slices of sliceSeconds alternating between the routes. */
  seconds: number;
  sliceSeconds: number;
  verdict: RouteLoad;
  bare: RouteLoad;
  /** verdict req/s ÷ bare req/s. */
  ratio: number;
}

const SLICE_SECONDS = 1;

export async function load(url: string, connections: number, seconds: number, headers?: Record<string, string>): Promise<RouteLoad> {
  const fromMs = Date.now();
  const result = await autocannon({ url, connections, duration: seconds, ...(headers === undefined ? {} : { headers }) });
  const toMs = Date.now();
  return {
    fromMs,
    toMs,
    slices: [{ fromMs, toMs }],
    ticksPerSecond: null,
    requestsPerSecond: result.duration > 0 ? result.requests.total / result.duration : result.requests.average,
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    requests: result.requests.total,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** One route's slices as one load. */
export function combineSlices(loads: readonly RouteLoad[]): RouteLoad {
  const first = loads[0];
  const last = loads.at(-1);
  if (first === undefined || last === undefined) throw new Error('no slice to combine');
  const seconds = loads.reduce((sum, slice) => sum + slice.requests / Math.max(slice.requestsPerSecond, Number.MIN_VALUE), 0);
  const requests = loads.reduce((sum, slice) => sum + slice.requests, 0);
  const cpu = loads.map((slice) => slice.cpuSeconds);
  const cpuSeconds = cpu.every((spent) => spent !== undefined) ? cpu.reduce(addCpu) : undefined;
  return {
    ...(cpuSeconds === undefined ? {} : { cpuSeconds }),
    fromMs: first.fromMs,
    toMs: last.toMs,
    slices: loads.flatMap((slice) => slice.slices),
    ticksPerSecond: null,
    requestsPerSecond: seconds > 0 ? requests / seconds : 0,
    latencyMs: {
      p50: median(loads.map((slice) => slice.latencyMs.p50)),
      p99: Math.max(...loads.map((slice) => slice.latencyMs.p99)),
      max: Math.max(...loads.map((slice) => slice.latencyMs.max)),
    },
    requests,
    errors: loads.reduce((sum, slice) => sum + slice.errors, 0),
    non2xx: loads.reduce((sum, slice) => sum + slice.non2xx, 0),
  };
}

/** Starts a server script that prints its URL on stdout (the bare server, bench:http's verdict server); how to stop it. */
export async function startServerScript(
  script: string,
  bodyFile: string,
  extraArgs: readonly string[] = [],
): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [script, bodyFile, ...extraArgs], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const line = text.split('\n')[0];
      if (text.includes('\n') && line !== undefined) resolve(line.trim());
    });
    child.once('exit', (code) => reject(new Error(`the bare server exited with code ${code}`)));
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  return { url, pid: child.pid ?? -1, stop };
}

/** One slice of load, with the CPU each side spent during it when the daemon's pid is known. */
async function measuredSlice(url: string, connections: number, pids: { daemon: number; bare: number } | undefined): Promise<RouteLoad> {
  const before = pids === undefined ? null : readCpu(pids.daemon, pids.bare);
  const slice = await load(url, connections, SLICE_SECONDS);
  const after = pids === undefined ? null : readCpu(pids.daemon, pids.bare);
  return before === null || after === null ? slice : { ...slice, cpuSeconds: cpuBetween(before, after) };
}

export async function compareVerdictRoute(options: {
  daemonUrl: string;
  analysisId: string;
  bareServerScript: string;
  tempDir: string;
  connections: number;
  seconds: number;
  /** The daemon's process id: CPU per side from /proc. */
  daemonPid?: number;
}): Promise<VerdictComparison> {
  const verdictUrl = `${options.daemonUrl}/v1/analyses/${options.analysisId}/verdict`;
  const body = await (await fetch(verdictUrl)).text();
  const bodyFile = join(options.tempDir, 'verdict-body.json');
  await writeFile(bodyFile, body);
  const bare = await startServerScript(options.bareServerScript, bodyFile);
  try {
    // Warm both (JIT, keep-alive sockets) before measuring.
    await load(verdictUrl, options.connections, 1);
    await load(`${bare.url}/verdict`, options.connections, 1);
    // Alternating slices: a burst of ticks that fades during the load weighs on both routes alike.
    const verdictSlices: RouteLoad[] = [];
    const bareSlices: RouteLoad[] = [];
    const pids = options.daemonPid === undefined ? undefined : { daemon: options.daemonPid, bare: bare.pid };
    for (let slice = 0; slice < Math.ceil(options.seconds / SLICE_SECONDS); slice++) {
      verdictSlices.push(await measuredSlice(verdictUrl, options.connections, pids));
      bareSlices.push(await measuredSlice(`${bare.url}/verdict`, options.connections, pids));
    }
    const verdict = combineSlices(verdictSlices);
    const bareLoad = combineSlices(bareSlices);
    return {
      bodyBytes: Buffer.byteLength(body),
      connections: options.connections,
      seconds: options.seconds,
      sliceSeconds: SLICE_SECONDS,
      verdict,
      bare: bareLoad,
      ratio: bareLoad.requestsPerSecond > 0 ? verdict.requestsPerSecond / bareLoad.requestsPerSecond : 0,
    };
  } finally {
    await bare.stop();
  }
}

/** Milliseconds of one GET /metrics, whole body read, and its size. */
export async function timeScrape(daemonUrl: string): Promise<{ ms: number; bytes: number }> {
  const started = performance.now();
  const response = await fetch(`${daemonUrl}/metrics`, { signal: AbortSignal.timeout(60_000) });
  const bytes = (await response.arrayBuffer()).byteLength;
  return { ms: performance.now() - started, bytes };
}
