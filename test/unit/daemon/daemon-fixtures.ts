// Fakes for the daemon tests: a scripted MetricSource, a recording adapter, a daemon on a memory
// store with a manual clock and scheduler, and a log capture.

import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import type { CompiledTemplate, Measurement } from '../../../src/analysis/types.js';
import type { AdapterRequest, AdapterResult, DeploymentAdapter } from '../../../src/adapters/types.js';
import { ManualClock } from '../../../src/daemon/clock.js';
import type { ControlContext } from '../../../src/daemon/control-context.js';
import { createDaemon, type Daemon } from '../../../src/daemon/daemon.js';
import { ManualScheduler } from '../../../src/daemon/manual-scheduler.js';
import type { MetricSource } from '../../../src/sources/types.js';
import { createMemoryStore } from '../../../src/store/memory.js';
import type { Store } from '../../../src/store/types.js';
import { createLogger } from '../../../src/telemetry/logger.js';
import { createGateMetrics } from '../../../src/telemetry/metrics.js';
import { makeTemplate, MINUTE, rule, step, T0 } from '../analysis/fixtures.js';

export { MINUTE, T0 };

/** Three steps of 2 minutes' minDuration, judged every minute. */
export function daemonTemplate(overrides: Partial<CompiledTemplate> = {}): CompiledTemplate {
  return makeTemplate({
    name: 'web',
    args: [{ name: 'service' }],
    steps: [step(10, { min: 2, max: 10 }), step(50, { min: 2, max: 10 }), step(100, { min: 2, max: 10 })],
    metrics: [
      { name: 'requests', query: 'requests{service="{{ args.service }}",track="{{ variant }}"}', direction: 'increase' },
      { name: 'error_rate', query: 'error_rate{service="{{ args.service }}",track="{{ variant }}"}', direction: 'increase' },
    ],
    rules: [
      rule('error-spike', 'abort', 'error_rate.change > 50%'),
      rule('low-traffic', 'hold', 'requests.canary < 200'),
      rule('healthy', 'promote', 'error_rate.change < 10%'),
    ],
    ...overrides,
  });
}

export type Values = Record<string, { baseline: number; canary: number }>;
export const HEALTHY: Values = { requests: { baseline: 1000, canary: 1000 }, error_rate: { baseline: 0.01, canary: 0.01 } };
export const FAILING: Values = { requests: { baseline: 1000, canary: 1000 }, error_rate: { baseline: 0.01, canary: 0.05 } };

/** Answers `metric{...,track="variant"}` from a table that tests change between ticks. */
export class FakeSource implements MetricSource {
  readonly name = 'default';
  values: Values = HEALTHY;
  queries: Array<{ query: string; atMs: number }> = [];
  private gate: Promise<void> | null = null;

  /** Every query waits until the returned function is called. */
  block(): () => void {
    let release: () => void = () => undefined;
    this.gate = new Promise((resolve) => {
      release = () => {
        this.gate = null;
        resolve();
      };
    });
    return release;
  }

  async instantQuery(query: string, atMs: number): Promise<Measurement> {
    this.queries.push({ query, atMs });
    if (this.gate) await this.gate;
    const match = /^(\w+)\{.*track="(\w+)"\}$/.exec(query);
    const metric = match?.[1];
    const variant = match?.[2];
    const row = metric === undefined ? undefined : this.values[metric];
    if (row === undefined || (variant !== 'baseline' && variant !== 'canary')) return { kind: 'missing', reason: `no data for ${query}` };
    return { kind: 'value', value: row[variant] };
  }

  async rangeQuery(): Promise<Measurement> {
    return { kind: 'error', error: { kind: 'rejected-query', message: 'range queries are not scripted' } };
  }
}

/** Records every request; `fail` decides which calls fail, `hang` which never answer. */
export class FakeAdapter implements DeploymentAdapter {
  readonly type = 'fake';
  readonly requests: AdapterRequest[] = [];
  readonly succeeded: AdapterRequest[] = [];
  fail: (request: AdapterRequest) => boolean = () => false;
  hang: (request: AdapterRequest) => boolean = () => false;

  constructor(readonly name = 'deployer') {}

  async call(request: AdapterRequest): Promise<AdapterResult> {
    this.requests.push(request);
    if (this.hang(request)) return new Promise<AdapterResult>(() => undefined);
    if (this.fail(request)) return { ok: false, attempts: 4, error: 'deployer answered 503' };
    this.succeeded.push(request);
    return { ok: true, attempts: 1 };
  }

  actions(): string[] {
    return this.requests.map((request) => `${request.action}:${request.weight}`);
  }
}

export function captureLog(): { stream: Writable; entries: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const entries = (): Array<Record<string, unknown>> =>
    chunks
      .join('')
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { stream, entries };
}

export interface TestDaemon {
  daemon: Daemon;
  clock: ManualClock;
  scheduler: ManualScheduler;
  store: Store;
  source: FakeSource;
  adapter: FakeAdapter;
  registry: Registry;
  log: ReturnType<typeof captureLog>;
}

export function testDaemon(
  options: {
    template?: CompiledTemplate;
    store?: Store;
    clock?: ManualClock;
    adapter?: FakeAdapter;
    storeRetentionMs?: number;
    /** Policies and freezes (issue 8); default: none. */
    control?: ControlContext;
    /** Templates loaded from "files" (default: just `template`). */
    templates?: Map<string, CompiledTemplate>;
    cacheVerdicts?: boolean;
  } = {},
): TestDaemon {
  const clock = options.clock ?? new ManualClock(T0);
  const scheduler = new ManualScheduler(clock);
  const store = options.store ?? createMemoryStore({ now: () => clock.now() });
  const source = new FakeSource();
  const adapter = options.adapter ?? new FakeAdapter();
  const registry = new Registry();
  const log = captureLog();
  const template = options.template ?? daemonTemplate();
  const daemon = createDaemon({
    store,
    templates: options.templates ?? new Map([[template.name, template]]),
    sources: new Map([['default', source]]),
    adapters: new Map<string, DeploymentAdapter>([[adapter.name, adapter]]),
    metrics: createGateMetrics(registry),
    logger: createLogger({ level: 'debug', destination: log.stream }),
    clock,
    scheduler,
    elapsed: () => clock.now() / 1000,
    storeRetentionMs: options.storeRetentionMs,
    ...(options.control === undefined ? {} : { control: options.control }),
    ...(options.cacheVerdicts === undefined ? {} : { cacheVerdicts: options.cacheVerdicts }),
  });
  return { daemon, clock, scheduler, store, source, adapter, registry, log };
}

export const TARGET = { service: 'checkout', environment: 'prod', version: 'v2' };

export async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  // Histograms are registered under their base name; their _sum and _count are values of it.
  const base = name.replace(/_(sum|count)$/, '');
  const metric = registry.getSingleMetric(name) ?? registry.getSingleMetric(base);
  if (!metric) return undefined;
  const { values } = await metric.get();
  const found = values.find(
    (value) =>
      ((value as { metricName?: string }).metricName ?? base) === name && Object.entries(labels).every(([key, wanted]) => String(value.labels[key]) === wanted),
  );
  return found?.value;
}
