// The daemon without its HTTP server: context, service, recovery, the retention sweeps (metric
// series, and the store when configured), shutdown.
// src/app.ts builds one from the config; unit tests build one from fakes.

import { performance } from 'node:perf_hooks';
import type { CompiledTemplate } from '../analysis/types.js';
import type { DeploymentAdapter } from '../adapters/types.js';
import { createLimiter } from '../engine/limit.js';
import type { JudgeRegistry } from '../engine/measure.js';
import type { MetricSource } from '../sources/types.js';
import { judgeRegistry } from '../stats/registry.js';
import type { Store } from '../store/types.js';
import type { Logger } from '../telemetry/logger.js';
import { METRICS_RETENTION_MS, type GateMetrics } from '../telemetry/metrics.js';
import type { Clock } from './clock.js';
import { DEFAULT_QUERY_CONCURRENCY, RETENTION_SWEEP_CRON, RETENTION_SWEEP_KEY, type DaemonContext } from './context.js';
import { createControlContext, type ControlContext } from './control-context.js';
import { createControlService, type ControlService } from './control-service.js';
import { EndedAnalyses, PhaseTally } from './gate-state.js';
import { SerialLanes } from './lanes.js';
import { allOf, observeWrites, VerdictCache, type VerdictWrites } from './verdict-cache.js';
import { recover, type RecoverySummary } from './recovery.js';
import { abortOnStop, type Scheduler } from './scheduler.js';
import type { AnalysisService } from './service-types.js';
import { createAnalysisService } from './service.js';
import { createGateService, type GateService } from './gates.js';
import { createLeaseKeeper, type LeaseKeeper, type LeaseOptions } from './lease.js';
import { createReleaseService } from './releases.js';
import type { ReleaseService } from './release-types.js';
import { pruneEndedAnalyses, STORE_RETENTION_CRON, STORE_RETENTION_KEY } from './store-retention.js';

export interface DaemonDeps {
  store: Store;
  templates: ReadonlyMap<string, CompiledTemplate>;
  sources: ReadonlyMap<string, MetricSource>;
  adapters: ReadonlyMap<string, DeploymentAdapter>;
  metrics: GateMetrics;
  logger: Logger;
  clock: Clock;
  scheduler: Scheduler;
  judges?: JudgeRegistry;
  /** Queries in flight across all analyses (default 16). */
  queryConcurrency?: number;
  /** Monotonic seconds (default: performance.now). */
  elapsed?: () => number;
  /** How long ended analyses keep their metric series (default METRICS_RETENTION_MS). */
  retentionMs?: number;
  /** How long ended analyses stay in the store (config store.retention); absent: forever. */
  storeRetentionMs?: number;
  /** Policies (default: none, everything allowed, no policy events). */
  control?: ControlContext;
  /** Leases when the store has them (PostgreSQL: replicas); default ttl 10 s, renewed every 3 s. */
  lease?: LeaseOptions;
  /**
   * Cache each analysis' serialized verdict until this daemon writes it again (default true). Only
   * right when no other process writes the store; default false for a store shared by replicas.
   */
  cacheVerdicts?: boolean;
  /** Also told of every write of an analysis (the HTTP thread's verdict cache when ticks run in a worker). */
  verdictWrites?: VerdictWrites;
}

export interface Daemon {
  service: AnalysisService;
  /** Approvals and freezes. */
  control: ControlService;
  /** Argo Rollouts and Flagger gates. */
  gates: GateService;
  /** Release records, rollbacks, checks and gate reports (issue 9). */
  releases: ReleaseService;
  context: DaemonContext;
  /** This replica's leases, when the store is shared by replicas. */
  leases?: LeaseKeeper;
  /** Recovery (pending calls, running analyses), then the retention sweeps; the service accepts requests after it. */
  start(): Promise<RecoverySummary>;
  /** Resolves when no tick and no adapter call is in flight or queued. */
  idle(): Promise<void>;
  /**
   * Stops scheduling and abandons what is queued: queries waiting for a slot and queries in flight
   * are cut short (nothing of those ticks is committed), calls not yet started stay pending for
   * recovery. Then waits for what is left to settle.
   */
  stop(): Promise<void>;
}

export function createDaemon(deps: DaemonDeps): Daemon {
  const shutdown = abortOnStop();
  // A store replicas share (it has leases) is written by other processes too: no cache by default.
  const verdicts = (deps.cacheVerdicts ?? deps.store.leases === undefined) ? new VerdictCache() : undefined;
  const watchers = [verdicts, deps.verdictWrites].filter((watcher): watcher is VerdictWrites => watcher !== undefined);
  const context: DaemonContext = {
    store: watchers.length === 0 ? deps.store : observeWrites(deps.store, allOf(watchers)),
    templates: deps.templates,
    sources: deps.sources,
    adapters: deps.adapters,
    judges: deps.judges ?? judgeRegistry,
    limit: createLimiter(deps.queryConcurrency ?? DEFAULT_QUERY_CONCURRENCY),
    metrics: deps.metrics,
    logger: deps.logger,
    clock: deps.clock,
    elapsed: deps.elapsed ?? (() => performance.now() / 1000),
    scheduler: deps.scheduler,
    lanes: new SerialLanes(),
    phases: new PhaseTally(),
    ended: new EndedAnalyses(deps.retentionMs ?? METRICS_RETENTION_MS),
    control: deps.control ?? createControlContext(),
    shutdown: shutdown.signal,
  };
  const leases = deps.store.leases === undefined ? undefined : createLeaseKeeper(context, deps.store.leases, deps.lease);
  if (leases !== undefined) context.leases = leases;
  let accepting = false;
  const service = createAnalysisService(context, { isAccepting: () => accepting, ...(verdicts === undefined ? {} : { verdicts }) });

  async function sweepEndedSeries(): Promise<void> {
    for (const id of context.ended.takeExpired(context.clock.now())) {
      const removed = context.metrics.forgetAnalysis(id);
      context.logger.debug({ analysisId: id, removed }, 'removed the metric series of an ended analysis');
    }
  }

  return {
    service,
    control: createControlService(context),
    gates: createGateService(context, service),
    releases: createReleaseService(context),
    context,
    ...(leases !== undefined ? { leases } : {}),
    async start() {
      context.control.freezes = await context.store.listFreezes();
      const summary = await recover(context);
      // With replicas, recovery scheduled nothing: the first heartbeat claims this replica's share.
      await leases?.start();
      context.scheduler.cron(RETENTION_SWEEP_KEY, RETENTION_SWEEP_CRON, sweepEndedSeries);
      const storeRetentionMs = deps.storeRetentionMs;
      if (storeRetentionMs !== undefined) {
        context.scheduler.cron(STORE_RETENTION_KEY, STORE_RETENTION_CRON, async () => {
          await pruneEndedAnalyses(context, storeRetentionMs);
        });
      }
      accepting = true;
      return summary;
    },
    idle: () => context.lanes.idle(),
    async stop() {
      accepting = false;
      shutdown.abort(new Error('the daemon is stopping'));
      await context.scheduler.stop();
      await context.lanes.idle();
      await leases?.release();
    },
  };
}
