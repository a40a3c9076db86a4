// The replicas benchmark's figures, from what the database and the webhook receiver hold: tick lags
// and missed ticks over the window (the load benchmark's exact reading of the audit trail), the
// takeover after kill -9 of one replica, and the adapter calls as the deployer saw them. Pure.

import { distribution, tickLags, type Distribution } from './daemon-load/lags.js';

export interface AnalysisTrail {
  id: string;
  startedAtMs: number;
  endedAtMs: number | null;
  tickAtMs: number[];
}

export interface RecordedCall {
  analysisId: string;
  idempotencyKey: string;
  action: string;
  step: number;
  status: string;
}

export interface DeliveredCall {
  analysisId: string;
  idempotencyKey: string;
  action: string;
  step: number;
}

export interface KillRecord {
  atMs: number;
  /** Analyses the killed replica held when it was killed. */
  analyses: string[];
  /** From the kill until another replica held all of them (null: not within the wait). */
  leaseTakeoverMs: number | null;
}

export interface ReplicaFigures {
  ticks: { expected: number; run: number; missed: number; duplicates: number; lagMs: Distribution };
  takeover: {
    analyses: number;
    leaseTakeoverMs: number | null;
    /** From the kill until every taken-over analysis had ticked again (null: one never did). */
    ticksResumedMs: number | null;
    /** Due slots of the taken-over analyses, from the kill until they ticked again, that no tick served. */
    missedDuringTakeover: number;
  } | null;
  calls: {
    recorded: number;
    done: number;
    pending: number;
    failed: number;
    deliveries: number;
    /** A decision (analysis, action, step) delivered under more than one idempotency key: must be 0. */
    decisionsWithSeveralKeys: number;
    /** Deliveries beyond the first of one key (the same call made again after a kill): allowed, counted. */
    repeatedDeliveries: number;
    /** Calls the store has as done that the deployer never received: must be 0. */
    doneButNotDelivered: number;
  };
}

export interface FigureInput {
  intervalMs: number;
  initialDelayMs: number;
  windowFromMs: number;
  windowToMs: number;
  analyses: readonly AnalysisTrail[];
  kill: KillRecord | null;
  calls: readonly RecordedCall[];
  deliveries: readonly DeliveredCall[];
}

function ticksOf(input: FigureInput, analyses: readonly AnalysisTrail[], fromMs: number, toMs: number) {
  return tickLags(
    analyses.map((analysis) => ({
      startedAtMs: analysis.startedAtMs,
      intervalMs: input.intervalMs,
      initialDelayMs: input.initialDelayMs,
      tickAtMs: analysis.tickAtMs,
      endedAtMs: analysis.endedAtMs,
    })),
    fromMs,
    toMs,
  );
}

function takeoverFigures(input: FigureInput, kill: KillRecord): NonNullable<ReplicaFigures['takeover']> {
  const victims = input.analyses.filter((analysis) => kill.analyses.includes(analysis.id));
  let resumedAt = kill.atMs;
  let allResumed = true;
  for (const analysis of victims) {
    const next = analysis.tickAtMs.filter((at) => at > kill.atMs).sort((a, b) => a - b)[0];
    const ended = analysis.endedAtMs !== null && analysis.endedAtMs <= kill.atMs;
    if (next === undefined) allResumed &&= ended;
    else resumedAt = Math.max(resumedAt, next);
  }
  const missed = ticksOf(input, victims, kill.atMs, resumedAt).missed;
  return {
    analyses: victims.length,
    leaseTakeoverMs: kill.leaseTakeoverMs,
    ticksResumedMs: allResumed ? resumedAt - kill.atMs : null,
    missedDuringTakeover: missed,
  };
}

function callFigures(calls: readonly RecordedCall[], deliveries: readonly DeliveredCall[]): ReplicaFigures['calls'] {
  const keysByDecision = new Map<string, Set<string>>();
  const deliveriesByKey = new Map<string, number>();
  for (const delivery of deliveries) {
    const decision = `${delivery.analysisId}|${delivery.action}|${delivery.step}`;
    keysByDecision.set(decision, (keysByDecision.get(decision) ?? new Set()).add(delivery.idempotencyKey));
    deliveriesByKey.set(delivery.idempotencyKey, (deliveriesByKey.get(delivery.idempotencyKey) ?? 0) + 1);
  }
  const count = (status: string) => calls.filter((call) => call.status === status).length;
  return {
    recorded: calls.length,
    done: count('done'),
    pending: count('pending'),
    failed: count('failed'),
    deliveries: deliveries.length,
    decisionsWithSeveralKeys: [...keysByDecision.values()].filter((keys) => keys.size > 1).length,
    repeatedDeliveries: [...deliveriesByKey.values()].reduce((total, times) => total + times - 1, 0),
    doneButNotDelivered: calls.filter((call) => call.status === 'done' && !deliveriesByKey.has(call.idempotencyKey)).length,
  };
}

export function computeReplicaFigures(input: FigureInput): ReplicaFigures {
  const window = ticksOf(input, input.analyses, input.windowFromMs, input.windowToMs);
  return {
    ticks: { expected: window.expected, run: window.run, missed: window.missed, duplicates: window.duplicates, lagMs: distribution(window.lagsMs) },
    takeover: input.kill === null ? null : takeoverFigures(input, input.kill),
    calls: callFigures(input.calls, input.deliveries),
  };
}

const ms = (value: number | null): string => (value === null ? 'n/a' : `${Math.round(value)} ms`);

export function formatReplicaReport(
  figures: ReplicaFigures,
  context: { analyses: number; replicas: number; intervalSeconds: number; windowSeconds: number },
): string[] {
  const { ticks, takeover, calls } = figures;
  const lines = [
    `replicas benchmark: ${context.analyses} analyses, ${context.replicas} replicas on PostgreSQL, ${context.intervalSeconds}s ticks, ${context.windowSeconds}s window`,
    `  ticks      expected ${ticks.expected}, run ${ticks.run}, missed ${ticks.missed}, served twice ${ticks.duplicates}`,
    `  tick lag   p50 ${ms(ticks.lagMs.p50)}, p95 ${ms(ticks.lagMs.p95)}, p99 ${ms(ticks.lagMs.p99)}, max ${ms(ticks.lagMs.max)}`,
  ];
  if (takeover !== null) {
    lines.push(
      `  kill -9    ${takeover.analyses} analyses held by the killed replica: leases taken over after ${ms(takeover.leaseTakeoverMs)}, all ticking again after ${ms(takeover.ticksResumedMs)} (${takeover.missedDuringTakeover} due slots missed meanwhile)`,
    );
  }
  lines.push(
    `  calls      recorded ${calls.recorded} (done ${calls.done}, pending ${calls.pending}, failed ${calls.failed}), deliveries ${calls.deliveries}`,
    `  duplicates decisions under several keys ${calls.decisionsWithSeveralKeys} (must be 0); same key delivered again ${calls.repeatedDeliveries}; done but never delivered ${calls.doneButNotDelivered} (must be 0)`,
  );
  return lines;
}
