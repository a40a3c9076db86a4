// One committed transition: the new state, its events and its adapter calls in ONE store write,
// then — only once it is committed — the metrics and the decision's log line.

import type { AnalysisState, CompiledTemplate, StepAction, TickVerdict } from '../analysis/types.js';
import type { ApprovalRecord } from '../control/types.js';
import type { AdapterCallInput, AdapterCallRecord, AnalysisRecord, EventInput } from '../store/types.js';
import { approvalEvent, cancelStale } from './control-context.js';
import { analysisLabels, analysisLogger, currentWeight, tickKey, type DaemonContext } from './context.js';
import { isoAt } from './clock.js';
import { callInputs, decisionEvent, decisionOf, type DecisionKind } from './events.js';
import { isTerminal } from './gate-state.js';

/** What this module takes from the DaemonContext. */
export type TransitionDeps = Pick<DaemonContext, 'store' | 'metrics' | 'logger' | 'clock' | 'scheduler' | 'phases' | 'ended' | 'leases'>;

export interface TransitionInput {
  before: AnalysisRecord;
  template: CompiledTemplate;
  state: AnalysisState;
  verdict: TickVerdict;
  /** The step machine's adapter actions; recorded as calls in drive mode only. */
  actions: readonly StepAction[];
  judgeMemory?: Record<string, unknown>;
  /** The events that explain the transition (tick, manual-action, adapter-failed), before the decision event. */
  events: EventInput[];
  /** The approvals of the analysis after the transition (default: as before). */
  approvals?: ApprovalRecord[];
  /** Calls bound by an approval, recorded instead of the ones `actions` would make. */
  boundCalls?: AdapterCallInput[];
  /** Failed calls made pending again (resume after adapter-failed), with their keys. */
  retryCalls?: AdapterCallRecord[];
}

export interface CommittedTransition {
  record: AnalysisRecord;
  decision: DecisionKind | null;
  /** Idempotency keys of the calls recorded with the transition, in order. */
  callKeys: string[];
}

/** Throws the store's DomainError 'conflict' when the analysis changed since `before` was read. */
export async function commitTransition(context: TransitionDeps, input: TransitionInput): Promise<CommittedTransition> {
  const { before, template, state, verdict } = input;
  const updatedAt = isoAt(context.clock.now());
  const stale = cancelStale(input.approvals ?? before.approvals ?? [], state.approval?.id, updatedAt, `the analysis left awaiting-approval: ${verdict.reason}`);
  const record: AnalysisRecord = {
    ...before,
    state,
    judgeMemory: input.judgeMemory ?? before.judgeMemory,
    updatedAt,
    version: before.version + 1,
    ...(stale.approvals.length > 0 ? { approvals: stale.approvals } : {}),
  };
  const decision = decisionOf(before.state, state);
  const cancelledEvents = stale.cancelled.map((approval) =>
    approvalEvent('approval-cancelled', approval, verdict.at, 'canaryd', approval.decisionReason ?? undefined),
  );
  const explained = [...input.events, ...cancelledEvents];
  const events = decision === null ? explained : [...explained, decisionEvent(decision, before.state, state, verdict, template)];
  const calls = input.boundCalls ?? callInputs(record, input.actions, { hash: verdict.evidenceHash, rule: verdict.rule, at: verdict.at });
  const retried = input.retryCalls ?? [];
  const fence = context.leases?.fence(record.id);
  const options = { ...(retried.length > 0 ? { retryCalls: retried.map((call) => call.id) } : {}), ...(fence !== undefined ? { fence } : {}) };
  await context.store.commitTransition(record, events, calls, Object.keys(options).length > 0 ? options : undefined);

  context.metrics.recordVerdict(analysisLabels(record), verdict);
  publishState(context, record, template);
  if (decision !== null) publishDecision(context, record, template, verdict, decision);
  return { record, decision, callKeys: [...retried.map((call) => call.idempotencyKey), ...calls.map((call) => call.idempotencyKey)] };
}

/** Gauges of one analysis and the phase counts; an ended analysis stops ticking and is forgotten later. */
export function publishState(context: TransitionDeps, record: AnalysisRecord, template: CompiledTemplate | undefined): void {
  const { state } = record;
  context.metrics.recordAnalysis(
    { ...analysisLabels(record), version: record.target.version, mode: record.mode },
    { phase: state.phase, step: state.stepIndex, weight: currentWeight(template, state) },
  );
  context.phases.set(record.id, state.phase);
  context.metrics.setPhaseCounts(context.phases.counts());
  if (isTerminal(state.phase)) {
    context.scheduler.cancel(tickKey(record.id));
    context.ended.ended(record.id, context.clock.now());
  }
}

function publishDecision(context: TransitionDeps, record: AnalysisRecord, template: CompiledTemplate, verdict: TickVerdict, decision: DecisionKind): void {
  const rule = verdict.rule?.id ?? 'none';
  if (decision !== 'fail') context.metrics.recordDecision(record.template, decision, rule);
  analysisLogger(context, record).info(
    {
      decision,
      rule: verdict.rule,
      evidenceHash: verdict.evidenceHash,
      phase: record.state.phase,
      step: record.state.stepIndex,
      weight: currentWeight(template, record.state),
      reason: verdict.reason,
    },
    `decision ${decision} by rule ${rule}`,
  );
}
