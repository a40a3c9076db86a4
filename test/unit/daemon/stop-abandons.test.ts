// stop() does not wait out query timeouts: against a real HTTP server that never answers, the
// query in flight is cut short, the queued ones are never sent, and nothing of those ticks is
// committed.

import type { IncomingMessage, ServerResponse } from 'node:http';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/daemon/clock.js';
import { createDaemon } from '../../../src/daemon/daemon.js';
import { ManualScheduler } from '../../../src/daemon/manual-scheduler.js';
import { createPrometheusSource } from '../../../src/sources/prometheus/source.js';
import { createMemoryStore } from '../../../src/store/memory.js';
import { createLogger } from '../../../src/telemetry/logger.js';
import { createGateMetrics } from '../../../src/telemetry/metrics.js';
import { captureLog, daemonTemplate, MINUTE, T0 } from './daemon-fixtures.js';

interface HangingServer {
  url: string;
  received: number;
  /** Requests whose connection the client closed before an answer. */
  closedByClient: number;
  close(): Promise<void>;
}

/** Accepts every request and never answers it. */
async function startHangingServer(): Promise<HangingServer> {
  const state = { received: 0, closedByClient: 0 };
  const server = http.createServer((request: IncomingMessage, response: ServerResponse) => {
    state.received += 1;
    request.resume();
    response.on('close', () => {
      if (!response.writableEnded) state.closedByClient += 1;
    });
  });
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get received() {
      return state.received;
    },
    get closedByClient() {
      return state.closedByClient;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let hanging: HangingServer | undefined;
afterEach(async () => {
  await hanging?.close();
  hanging = undefined;
});

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('daemon stop with a source that hangs', () => {
  it('abandons the query in flight and the queued ones instead of waiting out the 30 s timeout', async () => {
    hanging = await startHangingServer();
    const clock = new ManualClock(T0);
    const scheduler = new ManualScheduler(clock);
    const store = createMemoryStore({ now: () => clock.now() });
    const source = createPrometheusSource({ name: 'default', url: hanging.url, timeoutMs: 30_000 });
    const template = daemonTemplate();
    const daemon = createDaemon({
      store,
      templates: new Map([[template.name, template]]),
      sources: new Map([['default', source]]),
      adapters: new Map(),
      metrics: createGateMetrics(new Registry()),
      logger: createLogger({ level: 'debug', destination: captureLog().stream }),
      clock,
      scheduler,
      elapsed: () => clock.now() / 1000,
      queryConcurrency: 1,
    });
    await daemon.start();
    const ids: string[] = [];
    for (const service of ['a', 'b', 'c']) {
      const view = await daemon.service.create({
        template: 'web',
        args: { service },
        mode: 'observe',
        target: { service, environment: 'prod', version: 'v2' },
      });
      ids.push(view.id);
    }
    // Three ticks of two metrics × two variants: 12 queries, one slot, the first one hangs.
    await scheduler.advance(MINUTE, { awaitRuns: false });
    await until(() => hanging?.received === 1);

    const began = performance.now();
    await daemon.stop();
    const stopMs = performance.now() - began;

    expect(stopMs).toBeLessThan(2_000);
    await until(() => hanging?.closedByClient === 1);
    expect(hanging.received).toBe(1);
    for (const id of ids) {
      const events = await store.listEvents(id);
      expect(events.map((event) => event.type)).not.toContain('tick');
      expect((await store.getAnalysis(id))?.version).toBe(1);
    }
    await source.close?.();
  });
});
