// The daemon on a real SQLite file: half an analysis, a "crash" (the first app is dropped without
// close while an adapter call is in flight), a second app on the same file resumes and finishes.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp, StartupProblems, type App } from '../../src/app.js';
import type { DaemonConfig } from '../../src/config/schema.js';
import { ManualClock } from '../../src/daemon/clock.js';
import { ManualScheduler } from '../../src/daemon/manual-scheduler.js';
import type { VerdictView } from '../../src/daemon/service-types.js';
import type { DeploymentAdapter } from '../../src/adapters/types.js';
import type { MetricSource } from '../../src/sources/types.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { verifyEventChain, type StoredEvent } from '../../src/store/types.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { FakeAdapter, FakeSource, MINUTE, T0, TARGET } from '../unit/daemon/daemon-fixtures.js';

const TEMPLATE = `apiVersion: canaryd.dev/v1alpha1
kind: AnalysisTemplate
metadata:
  name: web
spec:
  args:
    - name: service
  interval: 1m
  stepDefaults: { minDuration: 2m, maxDuration: 10m }
  steps:
    - { weight: 10 }
    - { weight: 50 }
    - { weight: 100 }
  metrics:
    - name: requests
      query: requests{service="{{ args.service }}",track="{{ variant }}"}
    - name: error_rate
      query: error_rate{service="{{ args.service }}",track="{{ variant }}"}
  rules:
    abort:
      - id: error-spike
        when: error_rate.change > 50%
    hold:
      - id: low-traffic
        when: requests.canary < 200
    promote:
      - id: healthy
        when: error_rate.change < 10%
`;

let dir: string;
const opened: App[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'canaryd-daemon-'));
  await writeFile(join(dir, 'web.yaml'), TEMPLATE);
});

afterEach(async () => {
  for (const app of opened.splice(0)) await app.close();
  await rm(dir, { recursive: true, force: true });
});

function config(): DaemonConfig {
  return {
    server: { host: '127.0.0.1', port: 0 },
    store: { type: 'sqlite', path: join(dir, 'canaryd.db') },
    templates: [dir],
    sources: { default: { type: 'prometheus', name: 'default', url: 'http://127.0.0.1:9', timeoutMs: 1000, headers: {} } },
    adapters: { deployer: { type: 'log', name: 'deployer' } },
    log: { level: 'silent' },
  };
}

async function app(clock: ManualClock, adapter: FakeAdapter): Promise<{ app: App; scheduler: ManualScheduler }> {
  const scheduler = new ManualScheduler(clock);
  const built = await buildApp(config(), {
    clock,
    scheduler,
    sources: new Map<string, MetricSource>([['default', new FakeSource()]]),
    adapters: new Map<string, DeploymentAdapter>([['deployer', adapter]]),
    logger: createLogger({ level: 'silent' }),
  });
  await built.start();
  return { app: built, scheduler };
}

describe('daemon on SQLite', () => {
  it('resumes after a crash without losing or repeating a decision or an adapter call', async () => {
    const clock = new ManualClock(T0);
    const firstAdapter = new FakeAdapter();
    firstAdapter.hang = (request) => request.weight === 50;
    const first = await app(clock, firstAdapter);

    const created = await first.app.server.inject({
      method: 'POST',
      url: '/v1/analyses',
      payload: { template: 'web', args: { service: 'checkout' }, mode: 'drive', adapter: 'deployer', target: TARGET },
    });
    expect(created.statusCode).toBe(201);
    const id = (created.json() as { id: string }).id;
    await first.app.daemon.idle();
    await first.scheduler.advance(2 * MINUTE, { awaitRuns: false }); // promote to 50: the call hangs
    expect(firstAdapter.actions()).toEqual(['set-weight:10', 'set-weight:50']);
    // Crash: the first app is never closed; only its HTTP server is let go.
    await first.app.server.close();

    clock.advance(20_000);
    const secondAdapter = new FakeAdapter();
    const second = await app(clock, secondAdapter);
    opened.push(second.app);
    await second.app.daemon.idle();
    expect(secondAdapter.requests.map((request) => request.idempotencyKey)).toEqual([firstAdapter.requests[1]?.idempotencyKey]);

    await second.scheduler.advance(10 * MINUTE);
    await second.app.daemon.idle();
    const verdict = (await second.app.server.inject({ url: `/v1/analyses/${id}/verdict` })).json() as VerdictView;
    expect(verdict).toMatchObject({ verdict: 'promote', phase: 'succeeded', step: 2, weight: 100, rule: { id: 'healthy' } });

    const succeeded = [...firstAdapter.succeeded, ...secondAdapter.succeeded];
    expect(succeeded.map((request) => `${request.action}:${request.weight}`)).toEqual(['set-weight:10', 'set-weight:50', 'set-weight:100', 'complete:100']);
    expect(new Set(succeeded.map((request) => request.idempotencyKey)).size).toBe(succeeded.length);

    const events = ((await second.app.server.inject({ url: `/v1/analyses/${id}/events` })).json() as { events: StoredEvent[] }).events;
    const decisions = events.filter((event) => event.type === 'decision').map((event) => event.payload['decision']);
    expect(decisions).toEqual(['promote', 'promote', 'complete']);

    // Read back from the file by a fresh connection: durable, chained, every call done.
    const reader = openSqliteStore(join(dir, 'canaryd.db'));
    try {
      expect(verifyEventChain(await reader.listEvents(id))).toEqual({ ok: true });
      expect((await reader.callsFor(id)).map((call) => call.status)).toEqual(['done', 'done', 'done', 'done']);
    } finally {
      await reader.close();
      await first.app.daemon.context.store.close();
    }
  });

  it('refuses to start with every template problem listed as file:line:col', async () => {
    await writeFile(
      join(dir, 'broken.yaml'),
      TEMPLATE.replace('name: web', 'name: broken').replace('interval: 1m', 'interval: soon').replace('steps:', 'stepz:'),
    );
    await writeFile(join(dir, 'elsewhere.yaml'), TEMPLATE.replace('name: web', 'name: elsewhere').replace('spec:\n', 'spec:\n  source: thanos\n'));
    let caught: unknown;
    try {
      await buildApp(config(), { logger: createLogger({ level: 'silent' }) });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(StartupProblems);
    const message = (caught as StartupProblems).message;
    expect(message).toMatch(/broken\.yaml:\d+:\d+: .*interval/);
    expect(message).toMatch(/broken\.yaml:\d+:\d+: .*stepz/);
    expect(message).toMatch(/elsewhere\.yaml:6:11: spec\.source: .*"thanos"/);
  });

  it('reports an unusable store path as store-unavailable', async () => {
    await writeFile(join(dir, 'not-a-folder'), '');
    const broken = { ...config(), store: { type: 'sqlite' as const, path: join(dir, 'not-a-folder', 'x.db') } };
    await expect(buildApp(broken, { logger: createLogger({ level: 'silent' }) })).rejects.toMatchObject({ code: 'store-unavailable' });
  });
});

describe('canaryd serve', () => {
  async function serve(args: string[], shutdown: Promise<string> = Promise.resolve('SIGTERM')) {
    const { Command } = await import('commander');
    const { registerServe } = await import('../../src/cli/serve.js');
    const { CliError } = await import('../../src/cli/common.js');
    const stderr: string[] = [];
    let exitCode: number | undefined;
    let address: string | undefined;
    let readyz: number | undefined;
    const program = new Command().exitOverride();
    registerServe(
      program,
      { stdout: () => undefined, progress: (text) => stderr.push(text), setExitCode: (code) => (exitCode = code) },
      {
        waitForShutdown: async () => {
          readyz = (await fetch(`${address}/readyz`)).status;
          return shutdown;
        },
        onListening: (bound) => (address = bound),
      },
    );
    try {
      await program.parseAsync(['node', 'canaryd', 'serve', ...args]);
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      stderr.push(error.message);
      exitCode = error.exitCode;
    }
    return { exitCode, stderr, address, readyz };
  }

  async function configFile(extra: string): Promise<string> {
    const file = join(dir, 'canaryd.yaml');
    await writeFile(
      file,
      `server: { host: 127.0.0.1, port: 8080 }\nstore: { type: sqlite, path: ./data/c.db }\ntemplates: [./web.yaml]\n` +
        `sources:\n  default: { type: prometheus, url: "http://127.0.0.1:9" }\nlog: { level: silent }\n${extra}`,
    );
    return file;
  }

  it('listens on the --port given (0: a free one), answers /readyz, and exits 0 on a shutdown signal', async () => {
    const result = await serve(['--config', await configFile(''), '--port', '0']);
    expect(result.exitCode).toBe(0);
    expect(result.address).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(result.address).not.toMatch(/:8080$/);
    expect(result.readyz).toBe(200);
  });

  it('exits 2 with every config problem on stderr', async () => {
    const result = await serve(['--config', await configFile('colour: blue\n'), '--port', '0']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr.join('\n')).toMatch(/canaryd\.yaml:7:1: colour: unknown field/);
  });

  it('exits 4 when the store cannot be opened', async () => {
    await writeFile(join(dir, 'data'), 'a file where the store folder should be');
    const result = await serve(['--config', await configFile(''), '--port', '0']);
    expect(result.exitCode).toBe(4);
    expect(result.stderr.join('\n')).toMatch(/SQLite/);
  });
});
