// The step machine: a pure function of (template, state, tick evidence, now) → new state, verdict and
// the adapter actions to take. Time is always an argument (epoch ms).

import { formatDuration } from './duration.js';
import { DomainError } from './errors.js';
import type { RuleOutcome } from './rules.js';
import { describeStep, stepAction, stepAt, transition, type Decision, type Evidence, type StepTransition, type TransitionKind } from './step-transitions.js';
import type { AnalysisState, CheckReading, CompiledTemplate, FailureAction, MetricResult, StepAction } from './types.js';

export { applyManualAction, type ManualAction } from './manual-action.js';
export type { StepTransition } from './step-transitions.js';

export interface TickInput {
  outcome: RuleOutcome;
  metrics: MetricResult[];
  window: string;
  now: number;
  /** Promote as soon as a promote rule fires (backtests, one-shot runs). */
  ignoreMinDuration?: boolean;
  /** The template's checks as read at `now` (spec.checks); they join the verdict's evidence. */
  checks?: Record<string, CheckReading | null>;
}

export function startAnalysis(template: CompiledTemplate, now: number): { state: AnalysisState; actions: StepAction[] } {
  if (template.steps.length === 0) {
    throw new DomainError('no-steps', `template ${template.name} has no steps`, 'spec.steps');
  }
  const state: AnalysisState = {
    phase: 'running',
    stepIndex: 0,
    startedAt: now,
    stepStartedAt: now,
    consecutiveErrors: {},
    lastVerdict: null,
    decidedAt: null,
    decidedBy: null,
  };
  return { state, actions: [stepAction(template, 'set-weight', 0)] };
}

export function isJudgementDue(template: CompiledTemplate, state: AnalysisState, now: number): boolean {
  return state.phase === 'running' && now - state.startedAt >= template.initialDelayMs;
}

/** The query window: the lookback, or the time since the current step began, at least one interval. */
export function windowMs(template: CompiledTemplate, state: AnalysisState, now: number): number {
  return template.lookbackMs ?? Math.max(template.intervalMs, now - state.stepStartedAt);
}

function countErrors(previous: Record<string, number>, metrics: MetricResult[]): Record<string, number> {
  const counts = { ...previous };
  for (const metric of metrics) counts[metric.name] = metric.error ? (previous[metric.name] ?? 0) + 1 : 0;
  return counts;
}

function failureKind(action: FailureAction): TransitionKind {
  return action === 'abort' ? 'abort' : 'pause';
}

function failureVerdict(action: FailureAction): Decision['action'] {
  return action === 'abort' ? 'abort' : 'hold';
}

function duration(ms: number): string {
  return formatDuration(Math.max(0, ms));
}

/** The reason a tick must hold because a non-optional metric's query failed, or null. */
function failedRequiredQueries(template: CompiledTemplate, metrics: readonly MetricResult[]): string | null {
  const optional = new Set(template.metrics.filter((metric) => metric.optional === true).map((metric) => metric.name));
  const declared = new Set(template.metrics.map((metric) => metric.name));
  const failed = metrics.filter((metric) => metric.error && declared.has(metric.name) && !optional.has(metric.name));
  if (failed.length === 0) return null;
  const list = failed.map((metric) => `${metric.name}${metric.message === undefined ? '' : ` (${metric.message})`}`).join('; ');
  return `a tick whose queries failed cannot promote: ${list}`;
}

export function applyTick(template: CompiledTemplate, state: AnalysisState, input: TickInput): StepTransition {
  if (state.phase !== 'running') {
    throw new DomainError('not-running', `cannot judge a tick: the analysis is ${state.phase}, not running`);
  }
  const { outcome, now } = input;
  const step = stepAt(template, state.stepIndex);
  const counted: AnalysisState = { ...state, consecutiveErrors: countErrors(state.consecutiveErrors, input.metrics) };
  const evidence: Evidence = {
    conditions: outcome.conditions,
    metrics: input.metrics,
    window: input.window,
    ...(input.checks === undefined ? {} : { checks: input.checks }),
  };
  const decide = (kind: TransitionKind, decision: Decision): StepTransition => transition(template, counted, now, kind, decision, evidence);

  if (outcome.action === 'abort') {
    return decide('abort', { action: 'abort', rule: outcome.rule, reason: outcome.reason });
  }

  const failing = input.metrics.find((metric) => (counted.consecutiveErrors[metric.name] ?? 0) > template.consecutiveErrorLimit);
  if (failing !== undefined) {
    const count = counted.consecutiveErrors[failing.name] ?? 0;
    const lastError = failing.message === undefined ? '' : `: ${failing.message}`;
    return decide(failureKind(template.onError), {
      action: failureVerdict(template.onError),
      rule: { id: 'source-errors', group: 'builtin' },
      reason:
        `metric ${failing.name} failed ${count} consecutive ticks, more than consecutiveErrorLimit ` +
        `${template.consecutiveErrorLimit} (onError: ${template.onError})${lastError}`,
    });
  }

  const elapsed = now - state.stepStartedAt;
  const failedQueries = failedRequiredQueries(template, input.metrics);
  if (failedQueries !== null && !(step.maxDurationMs !== null && elapsed >= step.maxDurationMs)) {
    // No data is no evidence: a tick that could not read a metric never advances (nor continues quietly).
    return decide('stay', { action: 'hold', rule: { id: 'source-errors', group: 'builtin' }, reason: failedQueries });
  }
  if (outcome.action === 'promote' && failedQueries === null) {
    if (elapsed >= step.minDurationMs || input.ignoreMinDuration === true) {
      const last = state.stepIndex + 1 >= template.steps.length;
      const next = last
        ? `analysis succeeded at ${describeStep(template, state.stepIndex)} (weight ${step.weight})`
        : `advancing to ${describeStep(template, state.stepIndex + 1)} (weight ${stepAt(template, state.stepIndex + 1).weight})`;
      return decide('advance', { action: 'promote', rule: outcome.rule, reason: `${outcome.reason}; ${next}` });
    }
    const ruleId = outcome.rule?.id ?? 'unnamed';
    return decide('stay', {
      action: 'continue',
      rule: outcome.rule,
      reason:
        `promote rule ${ruleId} fired but ${describeStep(template, state.stepIndex)} has run ` +
        `${duration(elapsed)} of its minDuration ${duration(step.minDurationMs)}`,
    });
  }

  if (step.maxDurationMs !== null && elapsed >= step.maxDurationMs) {
    return decide(failureKind(template.onTimeout), {
      action: failureVerdict(template.onTimeout),
      rule: { id: 'step-timeout', group: 'builtin' },
      reason:
        `${describeStep(template, state.stepIndex)} has run ${duration(elapsed)}, reaching its maxDuration ` +
        `${duration(step.maxDurationMs)} without promotion (onTimeout: ${template.onTimeout}); ${outcome.reason}`,
    });
  }
  return decide('stay', { action: outcome.action, rule: outcome.rule, reason: outcome.reason });
}
