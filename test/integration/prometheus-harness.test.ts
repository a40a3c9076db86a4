// The test harness itself: scraping, clear failures, clean-up.

import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createPrometheusSource } from '../../src/sources/prometheus/source.js';
import { startFakeServer, type FakeServer } from '../helpers/fake-http.js';
import { startPrometheus, type RunningPrometheus } from '../helpers/prometheus.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs}ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('startPrometheus', () => {
  it('scrapes the configured targets', async () => {
    const target: FakeServer = await startFakeServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
      res.end('# TYPE canary_gate_open gauge\ncanary_gate_open{analysis="a1"} 1\n');
    });
    cleanups.push(() => target.close());
    const prometheus: RunningPrometheus = await startPrometheus({
      scrapeConfigs: [{ job: 'canaryd', target: target.url.replace('http://', ''), intervalSeconds: 1 }],
    });
    cleanups.push(() => prometheus.stop());
    expect(prometheus.port).not.toBe(9090);
    const source = createPrometheusSource({ name: 'scraped', url: prometheus.url, timeoutMs: 2_000 });
    cleanups.push(async () => source.close?.());

    const value = await eventually(async () => {
      const measurement = await source.instantQuery('canary_gate_open{job="canaryd",analysis="a1"}', Date.now());
      return measurement.kind === 'value' ? measurement.value : undefined;
    }, 10_000);
    expect(value).toBe(1);
    expect(target.requests.some((request) => request.url === '/metrics')).toBe(true);
  });

  it('refuses OpenMetrics text without # EOF', async () => {
    await expect(startPrometheus({ openMetrics: 'foo 1 1\n' })).rejects.toThrow(/must end with "# EOF"/);
  });

  it("reports promtool's complaint about invalid OpenMetrics text", async () => {
    const error = await startPrometheus({ openMetrics: '# TYPE foo counter\nfoo_total{ 1 1\n# EOF\n' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/^promtool could not backfill the OpenMetrics text: .+/);
  });

  it('stops idempotently and removes its temp dir', async () => {
    const prometheus = await startPrometheus({});
    await Promise.all([prometheus.stop(), prometheus.stop()]);
    expect(existsSync(prometheus.dataDir)).toBe(false);
    await expect(fetch(`${prometheus.url}/-/ready`)).rejects.toThrow();
  });
});
