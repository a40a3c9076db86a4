// What one scrape of /metrics costs the daemon at N analyses: `node dist-bench/bench/daemon-load-metrics.js [--analyses N]`.
// Fills the daemon's gate metrics as N running analyses with the bench template's three metrics
// would, then renders the exposition a few times and reports the longest event-loop block
// (perf_hooks' event-loop delay histogram) and the time of a whole scrape. In-process, no daemon needed.

import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Registry } from 'prom-client';
import type { TickVerdict } from '../src/analysis/types.js';
import { createGateMetrics, streamMetrics } from '../src/telemetry/metrics.js';

const USAGE = 'usage: node dist-bench/bench/daemon-load-metrics.js [--analyses N] [--scrapes N]';

function option(argv: readonly string[], flag: string, fallback: number): number {
  const index = argv.indexOf(flag);
  if (index < 0) return fallback;
  const value = Number(argv[index + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${flag}: expected a positive integer\n${USAGE}`);
  return value;
}

function verdict(): TickVerdict {
  const result = (name: string) => ({
    name,
    baseline: 1.5,
    canary: 1.6,
    delta: 0.1,
    change: 0.066,
    ratio: 1.066,
    missing: false,
    error: false,
    queries: { baseline: '', canary: '' },
  });
  return {
    action: 'continue',
    rule: { id: 'healthy', group: 'promote' },
    reason: 'healthy',
    conditions: [],
    metrics: [result('requests'), result('error_rate'), result('p95_latency')],
    window: '30s',
    at: new Date(0).toISOString(),
    evidenceHash: '0'.repeat(64),
  } as unknown as TickVerdict;
}

async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const analyses = option(argv, '--analyses', 10_000);
  const scrapes = option(argv, '--scrapes', 5);
  const registry = new Registry();
  const metrics = createGateMetrics(registry);
  const judged = verdict();
  for (let index = 0; index < analyses; index += 1) {
    const labels = {
      analysis: `0190f1c2-${String(index).padStart(4, '0')}-7000-8000-000000000000`,
      template: 'bench-web',
      service: `svc-${index % 20}`,
      environment: 'bench',
    };
    metrics.recordAnalysis({ ...labels, version: `v2-${index}`, mode: 'drive' }, { phase: 'running', step: 0, weight: 50 });
    metrics.recordVerdict(labels, judged);
  }
  const delay = monitorEventLoopDelay({ resolution: 1 });
  const renders: number[] = [];
  let bytes = 0;
  for (let scrape = 0; scrape < scrapes; scrape += 1) {
    delay.enable();
    const started = performance.now();
    // As the daemon serves it: a stream of pieces, each turned into bytes as a socket would.
    bytes = 0;
    for await (const piece of streamMetrics(registry).body) bytes += Buffer.from(piece as string).length;
    renders.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 20));
    delay.disable();
  }
  const ms = (value: number): string => value.toFixed(0);
  process.stdout.write(
    `/metrics at ${analyses} analyses: ${(bytes / 2 ** 20).toFixed(1)} MiB, scrape ${renders.map(ms).join(' / ')} ms, ` +
      `longest event-loop block ${ms(delay.max / 1e6)} ms (${scrapes} scrapes)\n`,
  );
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
