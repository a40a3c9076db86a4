// The events of the audit trail and the adapter calls a transition records, as plain data.

import { canonicalJson, sha256Hex } from '../analysis/evidence-hash.js';
import type { AnalysisState, CompiledTemplate, StepAction, TickVerdict } from '../analysis/types.js';
import { idempotencyKey, type AdapterRequest } from '../adapters/types.js';
import type { AdapterCallInput, AnalysisRecord, EventInput } from '../store/types.js';
import type { DecisionVerdict } from '../telemetry/metrics.js';
import { currentWeight } from './context.js';

/** What a transition decided, if it changed the analysis; `fail`: a decision could not be carried out. */
export type DecisionKind = DecisionVerdict | 'fail';

export function decisionOf(waitedOrBefore: AnalysisState, after: AnalysisState): DecisionKind | null {
  // An analysis awaiting approval decides as from the phase it waited in.
  const origin = waitedOrBefore.approval?.originPhase;
  const before: AnalysisState =
    waitedOrBefore.phase === 'awaiting-approval' ? { ...waitedOrBefore, phase: origin === 'paused' ? 'paused' : 'running' } : waitedOrBefore;
  if (after.phase !== before.phase) {
    switch (after.phase) {
      case 'succeeded':
        return 'complete';
      case 'aborted':
        return 'abort';
      case 'failed':
        return 'fail';
      default:
        break;
    }
  }
  if (after.stepIndex !== before.stepIndex) return 'promote';
  if (before.phase === 'running' && after.phase === 'paused') return 'pause';
  if (before.phase === 'paused' && after.phase === 'running') return 'resume';
  return null;
}

/**
 * The evidence hash of an analysis' start, which has no verdict yet: it binds the idempotency key
 * of the first set-weight to what was asked for.
 */
export function creationHash(record: AnalysisRecord): string {
  const { id, template, args, mode, adapter, target, createdAt } = record;
  return sha256Hex(canonicalJson({ id, template, args, mode, adapter, target, createdAt }));
}

export function createdEvent(record: AnalysisRecord, template: CompiledTemplate, evidenceHash: string): EventInput {
  return {
    type: 'created',
    at: record.createdAt,
    payload: {
      template: record.template,
      args: record.args,
      mode: record.mode,
      adapter: record.adapter,
      target: record.target,
      steps: template.steps.map((step) => step.weight),
      step: record.state.stepIndex,
      weight: currentWeight(template, record.state),
      evidenceHash,
      ...(record.templateHash === undefined ? {} : { templateHash: record.templateHash }),
      ...(record.createdBy == null ? {} : { actor: record.createdBy }),
      ...(record.artifact == null ? {} : { artifact: record.artifact }),
      ...(record.previousVersion == null ? {} : { previousVersion: record.previousVersion }),
    },
  };
}

/** The whole verdict, so anyone can recompute its evidence hash from the trail. */
export function tickEvent(verdict: TickVerdict, state: AnalysisState, template: CompiledTemplate): EventInput {
  return {
    type: 'tick',
    at: verdict.at,
    payload: {
      action: verdict.action,
      rule: verdict.rule,
      reason: verdict.reason,
      evidenceHash: verdict.evidenceHash,
      window: verdict.window,
      conditions: verdict.conditions,
      metrics: verdict.metrics,
      verdictAt: verdict.at,
      ...(verdict.checks === undefined ? {} : { checks: verdict.checks }),
      step: state.stepIndex,
      weight: currentWeight(template, state),
    },
  };
}

export function decisionEvent(
  decision: DecisionKind,
  before: AnalysisState,
  after: AnalysisState,
  verdict: TickVerdict,
  template: CompiledTemplate,
): EventInput {
  return {
    type: 'decision',
    at: verdict.at,
    payload: {
      decision,
      rule: verdict.rule,
      reason: verdict.reason,
      evidenceHash: verdict.evidenceHash,
      phase: after.phase,
      fromStep: before.stepIndex,
      step: after.stepIndex,
      weight: currentWeight(template, after),
    },
  };
}

export function manualActionEvent(action: string, actor: string, reason: string, verdict: TickVerdict): EventInput {
  return { type: 'manual-action', at: verdict.at, payload: { action, actor, reason, evidenceHash: verdict.evidenceHash } };
}

export interface FailedCall {
  adapter: string;
  request: AdapterRequest;
  attempts: number;
  error: string;
}

export function adapterFailedEvent(failed: FailedCall, at: string): EventInput {
  const { request } = failed;
  return {
    type: 'adapter-failed',
    at,
    payload: {
      adapter: failed.adapter,
      action: request.action,
      step: request.step,
      weight: request.weight,
      idempotencyKey: request.idempotencyKey,
      attempts: failed.attempts,
      error: failed.error,
    },
  };
}

/** The calls of a transition's actions, keyed by (analysis, step, action, evidence hash). */
export function callInputs(
  record: AnalysisRecord,
  actions: readonly StepAction[],
  evidence: { hash: string; rule: TickVerdict['rule']; at: string },
): AdapterCallInput[] {
  if (record.mode !== 'drive' || record.adapter === null) return [];
  const adapter = record.adapter;
  return actions.map((action) => {
    const key = idempotencyKey(record.id, action.step, action.type, evidence.hash);
    const request: AdapterRequest = {
      analysisId: record.id,
      action: action.type,
      weight: action.weight,
      step: action.step,
      target: record.target,
      rule: evidence.rule,
      evidenceHash: evidence.hash,
      idempotencyKey: key,
      at: evidence.at,
    };
    return { adapter, idempotencyKey: key, request };
  });
}
