// One tick of one analysis: read it, judge it (measure + rules + step machine), commit the
// transition with its events and adapter calls in one write, then make the calls.

import { stickyPromotion } from '../analysis/follow.js';
import { isJudgementDue } from '../analysis/step-machine.js';
import type { AnalysisState, CompiledTemplate, Measurement } from '../analysis/types.js';
import { expireIfDue, scheduleApprovalExpiry } from './approvals.js';
import { templateOf } from './control-context.js';
import { gateProposal, type GatedTransition } from './gated.js';
import { DomainError } from '../analysis/errors.js';
import { runTick } from '../engine/tick.js';
import type { AnalysisRecord } from '../store/types.js';
import type { QueryOutcome } from '../telemetry/metrics.js';
import { performRecordedCalls } from './calls.js';
import { actsFor, analysisLogger, errorMessage, lazyAnalysisLogger, tickKey, type DaemonContext } from './context.js';
import { tickEvent } from './events.js';
import { isTerminal } from './gate-state.js';
import type { TickRun } from './scheduler.js';
import { commitTransition } from './transitions.js';

export type TickOutcome =
  | 'judged'
  | 'not-due'
  | 'not-running'
  | 'ended'
  | 'conflict'
  | 'unknown-analysis'
  | 'unknown-template'
  | 'unknown-source'
  | 'not-leased'
  | 'abandoned';

/** Ticks at startedAt + k·interval, each in the analysis' lane (after its pending adapter calls). */
export function scheduleTicks(context: DaemonContext, record: AnalysisRecord, template: CompiledTemplate): void {
  const { id } = record;
  // With replicas, only the lease holder ticks (src/daemon/lease.ts schedules them on takeover).
  if (!actsFor(context, id)) return;
  context.scheduler.every(tickKey(id), template.intervalMs, record.state.startedAt + template.intervalMs, async (run, signal) => {
    try {
      await context.lanes.run(id, () => tickAnalysis(context, id, run, signal));
    } catch (error) {
      // Stopping: queued queries were abandoned and nothing was committed.
      if (signal.aborted) analysisLogger(context, record).debug('tick abandoned: the daemon is stopping');
      else analysisLogger(context, record).error({ error: errorMessage(error) }, 'tick failed');
    }
  });
}

export function queryOutcome(measurement: Measurement): QueryOutcome {
  if (measurement.kind === 'error') return measurement.error.kind;
  return measurement.kind === 'missing' ? 'missing' : 'ok';
}

/** An allowed advance of an analysis that follows its controller: a sticky promote at the same step, no actions. */
function followController(gated: GatedTransition, template: CompiledTemplate, judged: AnalysisState, now: number): GatedTransition {
  const { input } = gated;
  if (gated.outcome !== 'allow') return gated;
  const sticky = stickyPromotion(template, judged, { state: input.state, verdict: input.verdict, actions: [...input.actions] }, now);
  if (sticky.verdict === input.verdict) return gated;
  const events = input.events.map((event) => (event.type === 'tick' ? tickEvent(sticky.verdict, judged, template) : event));
  return { ...gated, input: { ...input, state: sticky.state, verdict: sticky.verdict, actions: [], events } };
}

/** With `signal` aborted (the daemon stops), the tick is abandoned before it commits anything. */
export async function tickAnalysis(context: DaemonContext, analysisId: string, run: TickRun, signal?: AbortSignal): Promise<TickOutcome> {
  if (signal?.aborted) return 'abandoned';
  if (!actsFor(context, analysisId)) return 'not-leased';
  const startedAt = context.clock.now();
  const began = context.elapsed();
  const record = await context.store.getAnalysis(analysisId);
  if (record === null) {
    context.scheduler.cancel(tickKey(analysisId));
    return 'unknown-analysis';
  }
  if (isTerminal(record.state.phase)) {
    context.scheduler.cancel(tickKey(analysisId));
    return 'ended';
  }
  const awaiting = record.state.phase === 'awaiting-approval';
  if (awaiting) {
    const approval = record.state.approval;
    if (approval !== undefined && startedAt >= approval.expiresAt) {
      await expireIfDue(context, analysisId, approval.id);
      return 'judged';
    }
    // Waiting for an approval, a running analysis keeps judging (an abort still aborts).
    if (approval?.originPhase !== 'running') return 'not-running';
  } else if (record.state.phase !== 'running') {
    return 'not-running';
  }
  const judged: AnalysisState = awaiting ? { ...record.state, phase: 'running' } : record.state;
  const log = lazyAnalysisLogger(context, record);
  const template = templateOf(context.templates, record);
  if (template === undefined) {
    log().error('cannot tick: the template is not loaded (was it removed from the config?)');
    return 'unknown-template';
  }
  if (!isJudgementDue(template, judged, startedAt)) return 'not-due';
  // Following a controller, a promote stays until the controller moves on: nothing to judge meanwhile.
  if (record.state.follow?.promoted === true) return 'not-due';
  const source = context.sources.get(template.source);
  if (source === undefined) {
    log().error({ source: template.source }, 'cannot tick: the template names a source the config does not define');
    return 'unknown-source';
  }
  if (run.skipped > 0) {
    log().warn({ skipped: run.skipped, scheduledAt: new Date(run.scheduledAt).toISOString() }, 'ticks skipped: the previous tick was still running');
  }

  const result = await runTick(
    {
      template,
      args: record.args,
      state: judged,
      judgeMemory: record.judgeMemory,
      now: startedAt,
      ...(record.checks === undefined ? {} : { checks: record.checks }),
    },
    {
      source,
      judges: context.judges,
      limit: context.limit,
      elapsed: context.elapsed,
      onQuery: ({ measurement, seconds }) => {
        if (signal?.aborted !== true) context.metrics.recordQuery(template.source, queryOutcome(measurement), seconds);
      },
      ...(signal === undefined ? {} : { signal }),
    },
  );
  // Answers cut short by the stop are not data: judge nothing, commit nothing.
  if (signal?.aborted) return 'abandoned';

  const base: AnalysisState = { ...record.state, consecutiveErrors: result.state.consecutiveErrors };
  const events = [tickEvent(result.verdict, record.state, template)];
  const advanced = result.state.stepIndex !== record.state.stepIndex || result.state.phase === 'succeeded';
  const stays = result.state.phase === 'running' && result.actions.length === 0;
  // Waiting, the request stands: this judgement is recorded, the action waits for its approver.
  const keepWaiting: GatedTransition = {
    outcome: 'allow',
    input: {
      before: record,
      template,
      state: { ...base, lastVerdict: result.verdict },
      verdict: result.verdict,
      actions: [],
      judgeMemory: result.judgeMemory,
      events,
    },
  };
  const proposed =
    awaiting && (advanced || stays)
      ? keepWaiting
      : gateProposal(context, {
          before: record,
          template,
          proposed: result,
          base,
          requestedBy: 'canaryd',
          events,
          judgeMemory: result.judgeMemory,
          now: startedAt,
        });
  // A decision that needs an approval while one is already pending does not open a second request.
  const decided = awaiting && proposed.outcome === 'approval' ? keepWaiting : proposed;
  // Following a controller, an allowed advance becomes a sticky promote (after the gate: a freeze or a DENY still holds it).
  const gated = record.state.follow === undefined ? decided : followController(decided, template, judged, startedAt);
  let callKeys: string[];
  try {
    ({ callKeys } = await commitTransition(context, gated.input));
  } catch (error) {
    if (error instanceof DomainError && error.code === 'lease-lost') {
      log().warn({ error: error.message }, 'tick not committed: another replica holds the analysis now');
      context.leases?.lost(analysisId);
      return 'not-leased';
    }
    if (!(error instanceof DomainError && error.code === 'conflict')) throw error;
    // A manual action changed the analysis while this tick measured: its judgement is stale.
    log().debug({ error: error.message }, 'tick skipped: the analysis changed while it was judged');
    return 'conflict';
  }
  context.metrics.recordTick(template.name, context.elapsed() - began, Math.max(0, startedAt - run.scheduledAt) / 1000);
  const { verdict } = result;
  if (context.logger.isLevelEnabled('debug'))
    log().debug({ action: verdict.action, rule: verdict.rule, evidenceHash: verdict.evidenceHash, reason: verdict.reason }, 'tick judged');
  if (gated.approval !== undefined) {
    scheduleApprovalExpiry(context, analysisId, gated.approval);
    log().info(
      { approvalId: gated.approval.id, action: gated.approval.action, policyId: gated.approval.policyId, evidenceHash: gated.approval.evidenceHash },
      `awaiting approval of ${gated.approval.action}`,
    );
  }
  await performRecordedCalls(context, analysisId, callKeys, signal);
  return 'judged';
}
