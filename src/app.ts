// The composition root: the one place that builds the daemon's parts from its config and wires
// them together. Everything else receives what it needs as arguments.

import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { adapterRegistry, createAdapters } from './adapters/registry.js';
import type { DeploymentAdapter, Sleeper } from './adapters/types.js';
import type { PluginRegistry, SecretField } from './config/plugin.js';
import type { DaemonConfig } from './config/schema.js';
import { systemClock, type Clock } from './daemon/clock.js';
import { errorMessage } from './daemon/context.js';
import { createControlContext } from './daemon/control-context.js';
import { createDaemon, type Daemon } from './daemon/daemon.js';
import { defaultAllowedHosts } from './http/auth.js';
import { TimerScheduler, type Scheduler } from './daemon/scheduler.js';
import type { AnalysisService } from './daemon/service-types.js';
import type { VerdictWrites } from './daemon/verdict-cache.js';
import { loadDaemonTemplates } from './daemon/startup.js';
import type { MetricsExposition } from './http/routes/operations.js';
import { buildServer, type ServerDeps } from './http/server.js';
import { withCommitHook } from './notify/commit-hook.js';
import { createNotifier, type Notifier } from './notify/notifier.js';
import { sinkRegistry } from './notify/registry.js';
import { createSourcesFromConfig } from './sources/from-config.js';
import { sourceRegistry } from './sources/registry.js';
import type { MetricSource } from './sources/types.js';
import { openStoreFromConfig, storeRegistry } from './store/registry.js';
import type { Store } from './store/types.js';
import { createLogger, type Logger } from './telemetry/logger.js';
import { createGateMetrics, streamMetrics } from './telemetry/metrics.js';

export { StartupProblems } from './daemon/startup.js';

export interface AppOverrides {
  clock?: Clock;
  scheduler?: Scheduler;
  store?: Store;
  sources?: Map<string, MetricSource>;
  adapters?: Map<string, DeploymentAdapter>;
  sleeper?: Sleeper;
  logger?: Logger;
  /** Queries in flight across all analyses (default 16). */
  queryConcurrency?: number;
  /** Told of every write of an analysis instead of the daemon's own verdict cache (the HTTP thread's, src/thread). */
  verdictWrites?: VerdictWrites;
}

/** What `canaryd serve` runs: the daemon in this thread (App) or in a worker (src/thread/threaded-app.ts). */
export interface ServingApp {
  server: FastifyInstance;
  logger: Logger;
  /** Recovers from the store and starts ticking; call before listening. */
  start(): Promise<void>;
  /** Stops ticking, waits for the tick and calls in flight, closes the server, the sources and the store. */
  close(): Promise<void>;
}

export interface App extends ServingApp {
  service: AnalysisService;
  /** The daemon behind the service (tests: idle(), context). */
  daemon: Daemon;
  registry: Registry;
  /** Notifications (config `notifications`); absent when no sink is configured. */
  notifier?: Notifier;
}

function redacted<C extends { type: string }>(registry: PluginRegistry<{ type: string; secretFields: readonly SecretField<C>[] }>, config: C): string[] {
  const fields = registry.get(config.type)?.secretFields ?? [];
  return fields.flatMap((field) => {
    const value = field.redact ? field.value(config) : undefined;
    return value !== undefined && value !== '' ? [value] : [];
  });
}

/** Every secret the config resolved (each plug-in's redacted secretFields): the logger replaces them wherever they would appear. */
export function configSecrets(config: DaemonConfig): string[] {
  const secrets: string[] = [];
  for (const source of Object.values(config.sources)) secrets.push(...redacted(sourceRegistry, source));
  for (const adapter of Object.values(config.adapters)) secrets.push(...redacted(adapterRegistry, adapter));
  secrets.push(...redacted(storeRegistry, config.store));
  for (const sink of config.notifications?.sinks ?? []) secrets.push(...redacted(sinkRegistry, sink));
  for (const principal of config.auth?.principals ?? []) {
    if (principal.token !== '') secrets.push(principal.token);
  }
  return secrets;
}

async function packageVersion(): Promise<string> {
  try {
    const text = await readFile(new URL('../package.json', import.meta.url), 'utf8');
    const version = (JSON.parse(text) as { version?: unknown }).version;
    return typeof version === 'string' ? version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** The logger of the daemon's threads: every secret the config resolved is redacted. */
export function appLogger(config: DaemonConfig): Logger {
  return createLogger({ level: config.log.level, redactValues: configSecrets(config) });
}

function warnOfOpenHost(config: DaemonConfig, logger: Logger): void {
  if (config.server.allowedHosts === undefined && ['0.0.0.0', '::', '[::]'].includes(config.server.host)) {
    logger.warn(
      { allowedHosts: defaultAllowedHosts(config.server.host) },
      'server.allowedHosts is not set: /v1 requests whose Host header is not localhost or 127.0.0.1 are refused (421); list the names clients use',
    );
  }
}

/** What the HTTP server calls: the daemon's services, in this thread or proxies of another's (src/thread). */
export type DaemonServices = Pick<ServerDeps, 'service' | 'control' | 'gates' | 'releases'>;

/** The HTTP server of the daemon, over its services. */
export async function buildDaemonServer(config: DaemonConfig, logger: Logger, services: DaemonServices, metrics: MetricsExposition): Promise<FastifyInstance> {
  warnOfOpenHost(config, logger);
  return buildServer({
    ...services,
    access: {
      principals: config.auth?.principals ?? null,
      allowedHosts: config.server.allowedHosts ?? defaultAllowedHosts(config.server.host),
    },
    metrics,
    logger: logger.child({ component: 'http' }),
    version: await packageVersion(),
  });
}

/** The daemon without its HTTP server, with what it owns (notifier, sources, store). */
export interface DaemonCore {
  daemon: Daemon;
  logger: Logger;
  registry: Registry;
  notifier?: Notifier;
  /** Recovers from the store and starts ticking. */
  start(): Promise<void>;
  /** Stops ticking, waits for the ticks and calls in flight, closes the notifier; reads still work. */
  stop(): Promise<void>;
  /** Closes the sources and the store (after the HTTP server closed). */
  release(): Promise<void>;
}

/**
 * Throws StartupProblems (code 'invalid-config') listing every template problem, or the store's
 * DomainError 'store-unavailable'.
 */
export async function buildDaemonCore(config: DaemonConfig, overrides: AppOverrides = {}): Promise<DaemonCore> {
  const clock = overrides.clock ?? systemClock;
  const logger = overrides.logger ?? appLogger(config);
  const sourceNames = new Set(overrides.sources?.keys() ?? Object.keys(config.sources));
  const templates = await loadDaemonTemplates(config.templates, sourceNames);
  if (templates.size === 0) logger.warn({ templates: config.templates }, 'no analysis templates found; no analysis can be created');

  const registry = new Registry();
  const metrics = createGateMetrics(registry);
  const openedStore = overrides.store ?? openStoreFromConfig(config.store, { now: () => clock.now() });
  let store = openedStore;
  try {
    let notifier: Notifier | undefined;
    if (config.notifications !== undefined && config.notifications.sinks.length > 0) {
      notifier = createNotifier(config.notifications, {
        registry,
        logger,
        now: () => clock.now(),
        listenUrl: `http://${config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host}:${config.server.port}`,
      });
      // Delivered after the commit, from what was committed, in the background.
      store = withCommitHook(openedStore, notifier.committed, (error) => logger.error({ error: errorMessage(error) }, 'queueing notifications failed'));
    }
    const sources = overrides.sources ?? createSourcesFromConfig(config.sources);
    const adapters =
      overrides.adapters ??
      createAdapters(config.adapters, {
        now: () => clock.now(),
        ...(overrides.sleeper ? { sleeper: overrides.sleeper } : {}),
        log: (request) =>
          logger.info({ analysisId: request.analysisId, adapterRequest: request }, `dry run: would ${request.action} (weight ${request.weight})`),
      });
    const scheduler =
      overrides.scheduler ??
      new TimerScheduler({ clock, onError: (key, error) => logger.error({ job: key, error: errorMessage(error) }, 'scheduled job failed') });
    const daemon = createDaemon({
      store,
      templates,
      sources,
      adapters,
      metrics,
      logger,
      clock,
      scheduler,
      storeRetentionMs: config.store.retentionMs,
      control: createControlContext(config.policies ?? [], config.auth !== undefined || (config.policies ?? []).length > 0),
      ...(overrides.queryConcurrency !== undefined ? { queryConcurrency: overrides.queryConcurrency } : {}),
      ...(overrides.verdictWrites !== undefined ? { verdictWrites: overrides.verdictWrites, cacheVerdicts: false } : {}),
    });
    return {
      daemon,
      logger,
      registry,
      ...(notifier === undefined ? {} : { notifier }),
      async start() {
        const summary = await daemon.start();
        logger.info({ templates: [...templates.keys()], ...summary }, 'daemon started');
      },
      async stop() {
        await daemon.stop();
        await notifier?.close();
      },
      async release() {
        await Promise.allSettled([...sources.values()].map((source) => source.close?.()));
        await store.close();
      },
    };
  } catch (error) {
    await openedStore.close();
    throw error;
  }
}

/** Same errors as buildDaemonCore. */
export async function buildApp(config: DaemonConfig, overrides: AppOverrides = {}): Promise<App> {
  const core = await buildDaemonCore(config, overrides);
  const { daemon, logger, registry, notifier } = core;
  let server: FastifyInstance;
  try {
    server = await buildDaemonServer(config, logger, daemon, async () => streamMetrics(registry));
  } catch (error) {
    await core.release();
    throw error;
  }
  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    await core.stop();
    await server.close();
    await core.release();
  };
  return {
    server,
    service: daemon.service,
    logger,
    daemon,
    registry,
    ...(notifier === undefined ? {} : { notifier }),
    start: () => core.start(),
    close() {
      closing ??= close();
      return closing;
    },
  };
}
