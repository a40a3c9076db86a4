// What the load benchmark asks of the daemon's HTTP side once ticking is measured: the verdict
// route against a bare fastify route with the same body (autocannon, the same connections and
// duration, one after the other), and the time of one /metrics scrape.

import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import autocannon from 'autocannon';

export interface RouteLoad {
  /** Wall-clock window of the measured load (epoch ms), to count the ticks that ran meanwhile. */
  fromMs: number;
  toMs: number;
  /** Ticks the daemon started during the window, per second (null: not counted). */
  ticksPerSecond: number | null;
  requestsPerSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
  requests: number;
  errors: number;
  non2xx: number;
}

export interface VerdictComparison {
  bodyBytes: number;
  connections: number;
  seconds: number;
  verdict: RouteLoad;
  bare: RouteLoad;
  /** verdict req/s ÷ bare req/s. */
  ratio: number;
}

export async function load(url: string, connections: number, seconds: number): Promise<RouteLoad> {
  const fromMs = Date.now();
  const result = await autocannon({ url, connections, duration: seconds });
  return {
    fromMs,
    toMs: Date.now(),
    ticksPerSecond: null,
    requestsPerSecond: result.requests.average,
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    requests: result.requests.total,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

/** Starts a server script that prints its URL on stdout (the bare server, bench:http's verdict server); how to stop it. */
export async function startServerScript(script: string, bodyFile: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [script, bodyFile], { stdio: ['ignore', 'pipe', 'inherit'] });
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
  return { url, stop };
}

export async function compareVerdictRoute(options: {
  daemonUrl: string;
  analysisId: string;
  bareServerScript: string;
  tempDir: string;
  connections: number;
  seconds: number;
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
    const verdict = await load(verdictUrl, options.connections, options.seconds);
    const bareLoad = await load(`${bare.url}/verdict`, options.connections, options.seconds);
    return {
      bodyBytes: Buffer.byteLength(body),
      connections: options.connections,
      seconds: options.seconds,
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
