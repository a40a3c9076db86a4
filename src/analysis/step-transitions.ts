// The state changes the step machine can make, shared by ticks and manual actions.

import { evidenceHash } from './evidence-hash.js';
import { DomainError } from './errors.js';
import type {
  AnalysisState,
  CheckReading,
  CompiledTemplate,
  ConditionRecord,
  MetricResult,
  RuleRef,
  StepAction,
  StepSpec,
  TickVerdict,
  VerdictAction,
} from './types.js';

export interface StepTransition {
  state: AnalysisState;
  verdict: TickVerdict;
  actions: StepAction[];
}

export interface Decision {
  action: VerdictAction;
  rule: RuleRef | null;
  reason: string;
}

export interface Evidence {
  conditions: ConditionRecord[];
  metrics: MetricResult[];
  window: string;
  /** The template's checks as the tick read them (spec.checks); absent without checks. */
  checks?: Record<string, CheckReading | null>;
}

/** stay: no change; advance: next step, or success on the last one. */
export type TransitionKind = 'stay' | 'abort' | 'pause' | 'resume' | 'advance';

export function stepAt(template: CompiledTemplate, index: number): StepSpec {
  const step = template.steps[index];
  if (step === undefined) {
    throw new DomainError('no-such-step', `template ${template.name} has no step ${index + 1} (it has ${template.steps.length})`);
  }
  return step;
}

/** Steps for people count from 1: "step 2 of 5". */
export function describeStep(template: CompiledTemplate, index: number): string {
  return `step ${index + 1} of ${template.steps.length}`;
}

export function stepAction(template: CompiledTemplate, type: StepAction['type'], index: number): StepAction {
  return { type, step: index, weight: stepAt(template, index).weight };
}

export function buildVerdict(decision: Decision, evidence: Evidence, now: number): TickVerdict {
  const unhashed: Omit<TickVerdict, 'evidenceHash'> = {
    action: decision.action,
    rule: decision.rule,
    reason: decision.reason,
    conditions: evidence.conditions,
    metrics: evidence.metrics,
    window: evidence.window,
    at: new Date(now).toISOString(),
    ...(evidence.checks === undefined ? {} : { checks: evidence.checks }),
  };
  return { ...unhashed, evidenceHash: evidenceHash(unhashed) };
}

/** Applies `kind` to `state` (whose error counts are already up to date) and records the verdict. */
export function transition(
  template: CompiledTemplate,
  state: AnalysisState,
  now: number,
  kind: TransitionKind,
  decision: Decision,
  evidence: Evidence,
): StepTransition {
  const verdict = buildVerdict(decision, evidence, now);
  const current = state.stepIndex;
  const leavingPause = state.phase === 'paused' ? [stepAction(template, 'resume', current)] : [];
  let next: AnalysisState = { ...state, lastVerdict: verdict };
  let actions: StepAction[] = [];
  switch (kind) {
    case 'stay':
      break;
    case 'abort':
      next = { ...next, phase: 'aborted', decidedAt: now, decidedBy: decision.rule };
      // Nothing to roll back before the first weight was set.
      actions = state.phase === 'pending' ? [] : [stepAction(template, 'rollback', current)];
      break;
    case 'pause':
      next = { ...next, phase: 'paused' };
      actions = [stepAction(template, 'pause', current)];
      break;
    case 'resume': {
      // A resume is a person saying "go on": failed-query counts start afresh, and a step whose
      // maxDuration ran out while it waited gets a new clock (else it would time out again at once).
      const { maxDurationMs } = stepAt(template, current);
      const timedOut = maxDurationMs !== null && now - state.stepStartedAt >= maxDurationMs;
      next = { ...next, phase: 'running', consecutiveErrors: {}, ...(timedOut ? { stepStartedAt: now } : {}) };
      actions = [stepAction(template, 'resume', current)];
      break;
    }
    case 'advance':
      if (current + 1 >= template.steps.length) {
        next = { ...next, phase: 'succeeded', decidedAt: now, decidedBy: decision.rule };
        actions = [...leavingPause, stepAction(template, 'complete', current)];
      } else {
        next = { ...next, phase: 'running', stepIndex: current + 1, stepStartedAt: now, consecutiveErrors: {} };
        actions = [...leavingPause, stepAction(template, 'set-weight', current + 1)];
      }
      break;
  }
  if (next.phase !== 'awaiting-approval' && next.approval !== undefined) {
    const { approval: _left, ...rest } = next;
    next = rest;
  }
  return { state: next, verdict, actions };
}
