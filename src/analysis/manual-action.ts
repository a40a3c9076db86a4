// An operator's action through the API or CLI, decided by the built-in rule `manual`.

import { formatDuration } from './duration.js';
import { DomainError } from './errors.js';
import { describeStep, transition, type StepTransition, type TransitionKind } from './step-transitions.js';
import type { AnalysisState, CompiledTemplate, Phase, RuleRef, VerdictAction } from './types.js';

export type ManualAction = 'pause' | 'resume' | 'abort' | 'promote';

const ALLOWED_FROM: Record<ManualAction, readonly Phase[]> = {
  pause: ['running'],
  resume: ['paused'],
  abort: ['pending', 'running', 'paused'],
  promote: ['running', 'paused'],
};

const TRANSITION: Record<ManualAction, { kind: TransitionKind; verdict: VerdictAction }> = {
  pause: { kind: 'pause', verdict: 'hold' },
  resume: { kind: 'resume', verdict: 'continue' },
  abort: { kind: 'abort', verdict: 'abort' },
  promote: { kind: 'advance', verdict: 'promote' },
};

const MANUAL_RULE: RuleRef = { id: 'manual', group: 'builtin' };

const PHASE_TEXT: Record<Phase, string> = {
  pending: 'has not started',
  running: 'is running',
  paused: 'is paused',
  'awaiting-approval': 'is awaiting an approval',
  succeeded: 'has already succeeded',
  aborted: 'has already been aborted',
  failed: 'has already failed',
};

function explainRefusal(action: ManualAction, phase: Phase): string {
  const allowed = ALLOWED_FROM[action];
  const listed = allowed.length === 1 ? allowed[0] : `${allowed.slice(0, -1).join(', ')} or ${allowed.at(-1)}`;
  return `cannot ${action}: the analysis ${PHASE_TEXT[phase]} (${action} needs it ${listed})`;
}

export function applyManualAction(
  template: CompiledTemplate,
  state: AnalysisState,
  action: ManualAction,
  now: number,
  actor: string,
  reason: string,
): StepTransition {
  if (state.phase === 'awaiting-approval' && (action === 'promote' || action === 'resume')) {
    throw new DomainError(
      'invalid-transition',
      `cannot ${action}: the analysis is awaiting approval ${state.approval?.id ?? ''}; approve or reject it (POST /v1/approvals/{id})`,
    );
  }
  // Waiting for an approval, an analysis can still be paused or aborted as from where it was.
  const { approval, ...rest } = state;
  const base: AnalysisState = state.phase === 'awaiting-approval' ? { ...rest, phase: approval?.originPhase ?? 'running' } : state;
  if (!ALLOWED_FROM[action].includes(base.phase)) {
    throw new DomainError('invalid-transition', explainRefusal(action, state.phase));
  }
  return manualTransition(template, base, action, now, actor, reason);
}

function manualTransition(template: CompiledTemplate, state: AnalysisState, action: ManualAction, now: number, actor: string, reason: string): StepTransition {
  const { kind, verdict } = TRANSITION[action];
  const why = reason.trim() === '' ? '' : `: ${reason.trim()}`;
  const at = state.phase === 'pending' ? '' : ` at ${describeStep(template, state.stepIndex)}`;
  const windowMs = template.lookbackMs ?? Math.max(template.intervalMs, now - state.stepStartedAt);
  return transition(
    template,
    state,
    now,
    kind,
    { action: verdict, rule: MANUAL_RULE, reason: `manual ${action} by ${actor}${at}${why}` },
    { conditions: [], metrics: [], window: formatDuration(Math.max(0, windowMs)) },
  );
}
