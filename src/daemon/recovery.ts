// Start-up after a stop or a crash. Every decision was committed before its adapter call, and a call
// is marked done only after it was made, so:
//   - a call recorded but not done is made again, with the SAME request and idempotency key (the
//     deployer may have seen it already; the key lets it tell), then marked;
//   - a call marked done is never made again;
//   - running analyses tick again at startedAt + k·interval, from the next slot in the future.

import type { AdapterCallRecord } from '../store/types.js';
import { performCalls } from './calls.js';
import { errorMessage, type DaemonContext } from './context.js';
import { isTerminal } from './gate-state.js';
import { scheduleTicks } from './runner.js';
import { publishState } from './transitions.js';
import { scheduleApprovalExpiry } from './approvals.js';
import { templateOf } from './control-context.js';

export interface RecoverySummary {
  /** Running and paused analyses scheduled again. */
  resumed: number;
  /** Calls recorded but not done, queued to be made again. */
  retriedCalls: number;
  /** Analyses whose template is no longer loaded: left as they are, not ticked. */
  orphaned: string[];
}

export async function recover(context: DaemonContext): Promise<RecoverySummary> {
  const analyses = await context.store.listAnalyses();
  const pending = await context.store.pendingCalls();

  // Calls first: each analysis' lane makes them before any of its ticks can run.
  const byAnalysis = new Map<string, AdapterCallRecord[]>();
  for (const call of pending) byAnalysis.set(call.analysisId, [...(byAnalysis.get(call.analysisId) ?? []), call]);
  for (const [analysisId, calls] of byAnalysis) {
    context.logger.info({ analysisId, calls: calls.map((call) => call.idempotencyKey) }, 'retrying adapter calls recorded before the restart');
    void context.lanes
      .run(analysisId, () => performCalls(context, calls, context.shutdown))
      .catch((error: unknown) => context.logger.error({ analysisId, error: errorMessage(error) }, 'recovered adapter calls failed to run'));
  }

  let resumed = 0;
  const orphaned: string[] = [];
  for (const record of analyses) {
    context.phases.set(record.id, record.state.phase);
    if (isTerminal(record.state.phase)) continue;
    const template = templateOf(context.templates, record);
    if (template === undefined) {
      orphaned.push(record.id);
      context.logger.error({ analysisId: record.id, template: record.template }, 'cannot resume: the template is not loaded');
      continue;
    }
    publishState(context, record, template);
    scheduleTicks(context, record, template);
    // A request still pending after the restart stays pending: nothing is called until it is decided.
    for (const approval of record.approvals ?? []) {
      if (approval.state === 'pending') scheduleApprovalExpiry(context, record.id, approval);
    }
    resumed += 1;
  }
  context.metrics.setPhaseCounts(context.phases.counts());
  const summary = { resumed, retriedCalls: pending.length, orphaned };
  context.logger.info(summary, 'recovered analyses from the store');
  return summary;
}
