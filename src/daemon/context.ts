// Everything the daemon's parts share, assembled once by the composition root (src/app.ts).

import type { AnalysisState, CompiledTemplate } from '../analysis/types.js';
import type { DeploymentAdapter } from '../adapters/types.js';
import type { Limiter } from '../engine/limit.js';
import type { JudgeRegistry } from '../engine/measure.js';
import type { MetricSource } from '../sources/types.js';
import type { AnalysisRecord, Fence, Store } from '../store/types.js';
import type { Logger } from '../telemetry/logger.js';
import type { AnalysisLabels, GateMetrics } from '../telemetry/metrics.js';
import type { Clock } from './clock.js';
import type { ControlContext } from './control-context.js';
import type { EndedAnalyses, PhaseTally } from './gate-state.js';
import type { SerialLanes } from './lanes.js';
import type { Scheduler } from './scheduler.js';

export interface DaemonContext {
  store: Store;
  templates: ReadonlyMap<string, CompiledTemplate>;
  sources: ReadonlyMap<string, MetricSource>;
  adapters: ReadonlyMap<string, DeploymentAdapter>;
  judges: JudgeRegistry;
  /** Bounds the queries in flight across all analyses. */
  limit: Limiter;
  metrics: GateMetrics;
  logger: Logger;
  clock: Clock;
  /** Monotonic seconds, for query and tick durations. */
  elapsed: () => number;
  scheduler: Scheduler;
  lanes: SerialLanes;
  phases: PhaseTally;
  ended: EndedAnalyses;
  /** Policies, freezes (issue 8). */
  control: ControlContext;
  /** Replicas sharing the store (src/daemon/lease.ts): absent with a single writer. */
  leases?: LeaseHolder;
  /** Aborts when the daemon stops: adapter calls outside a tick (after an API action) give up. */
  shutdown?: AbortSignal;
}

/** Which analyses this replica acts for (ticks, adapter calls), and the fence its writes carry. */
export interface LeaseHolder {
  holds(analysisId: string): boolean;
  fence(analysisId: string): Fence | undefined;
  /** The store refused a write with 'lease-lost': stop acting for the analysis. */
  lost(analysisId: string): void;
}

/** False when replicas share the store and another one holds the analysis. */
export function actsFor(context: Pick<DaemonContext, 'leases'>, analysisId: string): boolean {
  return context.leases === undefined || context.leases.holds(analysisId);
}

export const DEFAULT_QUERY_CONCURRENCY = 16;
export const RETENTION_SWEEP_KEY = 'metrics-retention';
/** Every minute: ended analyses lose their series within a minute of METRICS_RETENTION_MS. */
export const RETENTION_SWEEP_CRON = '* * * * *';

export function tickKey(analysisId: string): string {
  return `tick:${analysisId}`;
}

export function analysisLabels(record: AnalysisRecord): AnalysisLabels {
  return {
    analysis: record.id,
    template: record.template,
    service: record.target.service,
    environment: record.target.environment,
  };
}

/** A child logger per analysis: every line names the analysis and its template. */
export function analysisLogger(context: Pick<DaemonContext, 'logger'>, record: AnalysisRecord): Logger {
  return context.logger.child({ analysisId: record.id, template: record.template });
}

/** analysisLogger, made on its first line: most ticks log nothing, and a child logger with redaction costs ≈ 35 µs. */
export function lazyAnalysisLogger(context: Pick<DaemonContext, 'logger'>, record: AnalysisRecord): () => Logger {
  let made: Logger | undefined;
  return () => {
    made ??= analysisLogger(context, record);
    return made;
  };
}

/** The weight of the current step (0 when the template is no longer loaded). */
export function currentWeight(template: CompiledTemplate | undefined, state: AnalysisState): number {
  return template?.steps[state.stepIndex]?.weight ?? 0;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
