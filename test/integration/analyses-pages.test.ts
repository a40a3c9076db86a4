// GET /v1/analyses on a real SQLite store: cursor pages, filters by target, summaries without
// the evidence, and the errors of a bad limit or cursor.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.js';
import type { DaemonConfig } from '../../src/config/schema.js';
import { ManualClock } from '../../src/daemon/clock.js';
import { ManualScheduler } from '../../src/daemon/manual-scheduler.js';
import type { MetricSource } from '../../src/sources/types.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { FakeSource, MINUTE, T0 } from '../unit/daemon/daemon-fixtures.js';

const TEMPLATE = `apiVersion: canaryd.dev/v1alpha1
kind: AnalysisTemplate
metadata:
  name: web
spec:
  args:
    - name: service
  interval: 1m
  stepDefaults: { minDuration: 10m }
  steps:
    - { weight: 10 }
    - { weight: 100 }
  metrics:
    - name: requests
      query: requests{service="{{ args.service }}",track="{{ variant }}"}
  rules:
    hold:
      - id: low-traffic
        when: requests.canary < 200
    promote:
      - id: healthy
        when: requests.canary >= 200
`;

interface Page {
  analyses: Array<{
    id: string;
    target: { service: string; environment: string; version: string };
    phase: string;
    step: number;
    steps: number;
    weight: number;
    lastVerdict: Record<string, unknown> | null;
  }>;
  nextCursor: string | null;
}

let dir: string;
let app: App | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'canaryd-pages-'));
  await writeFile(join(dir, 'web.yaml'), TEMPLATE);
});

afterEach(async () => {
  await app?.close();
  app = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function startApp(): Promise<{ app: App; scheduler: ManualScheduler }> {
  const clock = new ManualClock(T0);
  const scheduler = new ManualScheduler(clock);
  const config: DaemonConfig = {
    server: { host: '127.0.0.1', port: 0 },
    store: { type: 'sqlite', path: join(dir, 'canaryd.db') },
    templates: [dir],
    sources: { default: { type: 'prometheus', name: 'default', url: 'http://127.0.0.1:9', timeoutMs: 1000, headers: {} } },
    adapters: {},
    log: { level: 'silent' },
  };
  const built = await buildApp(config, {
    clock,
    scheduler,
    sources: new Map<string, MetricSource>([['default', new FakeSource()]]),
    logger: createLogger({ level: 'silent' }),
  });
  await built.start();
  app = built;
  return { app: built, scheduler };
}

describe('GET /v1/analyses on SQLite', () => {
  it('pages with limit and cursor, filters by target, and lists summaries without the evidence', async () => {
    const { app, scheduler } = await startApp();
    const targets = [
      ['checkout', 'prod', 'v2'],
      ['checkout', 'staging', 'v2'],
      ['search', 'prod', 'v7'],
      ['checkout', 'prod', 'v3'],
      ['search', 'staging', 'v7'],
    ] as const;
    const ids: string[] = [];
    for (const [service, environment, version] of targets) {
      const created = await app.server.inject({
        method: 'POST',
        url: '/v1/analyses',
        payload: { template: 'web', args: { service }, mode: 'observe', target: { service, environment, version } },
      });
      expect(created.statusCode).toBe(201);
      ids.push((created.json() as { id: string }).id);
    }
    await scheduler.advance(MINUTE);
    const get = async (query: string): Promise<Page> => {
      const response = await app.server.inject({ method: 'GET', url: `/v1/analyses${query}` });
      expect(response.statusCode).toBe(200);
      return response.json() as Page;
    };

    // Old callers: no parameters, every analysis (fewer than the default limit), oldest first.
    const all = await get('');
    expect(all.analyses.map((summary) => summary.id)).toEqual(ids);
    expect(all.nextCursor).toBeNull();
    const first = all.analyses[0];
    expect(first).toMatchObject({ phase: 'running', step: 0, steps: 2, weight: 10, target: { service: 'checkout', environment: 'prod', version: 'v2' } });
    // The fake source's traffic is healthy: promote fired, before minDuration that is continue.
    expect(first?.lastVerdict).toMatchObject({ action: 'continue', rule: { id: 'healthy', group: 'promote' } });
    expect(Object.keys(first?.lastVerdict ?? {}).sort()).toEqual(['action', 'at', 'evidenceHash', 'reason', 'rule']);

    const pageOne = await get('?limit=2');
    expect(pageOne.analyses.map((summary) => summary.id)).toEqual(ids.slice(0, 2));
    const pageTwo = await get(`?limit=2&cursor=${encodeURIComponent(pageOne.nextCursor ?? '')}`);
    expect(pageTwo.analyses.map((summary) => summary.id)).toEqual(ids.slice(2, 4));
    const pageThree = await get(`?limit=2&cursor=${encodeURIComponent(pageTwo.nextCursor ?? '')}`);
    expect(pageThree.analyses.map((summary) => summary.id)).toEqual(ids.slice(4));
    expect(pageThree.nextCursor).toBeNull();

    expect((await get('?service=checkout&environment=prod')).analyses.map((summary) => summary.id)).toEqual([ids[0], ids[3]]);
    expect((await get('?version=v7')).analyses.map((summary) => summary.id)).toEqual([ids[2], ids[4]]);
    expect((await get('?phase=running&service=search&environment=staging')).analyses.map((summary) => summary.id)).toEqual([ids[4]]);
    expect((await get('?phase=paused')).analyses).toEqual([]);
  });

  it('refuses a bad limit or cursor with 400 naming the query parameter', async () => {
    const { app } = await startApp();
    for (const [query, field] of [
      ['?limit=0', 'query.limit'],
      ['?limit=1001', 'query.limit'],
      ['?limit=ten', 'query.limit'],
      ['?cursor=not-a-cursor', 'query.cursor'],
      ['?service=', 'query.service'],
    ] as const) {
      const response = await app.server.inject({ method: 'GET', url: `/v1/analyses${query}` });
      expect(response.statusCode, query).toBe(400);
      expect((response.json() as { error: { code: string; field?: string } }).error).toMatchObject({ code: 'invalid-request', field });
    }
  });
});
