// Observe mode that follows the controller (issue 10 item 2): the controller's weight decides the
// step, and a promote stays (sticky) until the controller moves to the next weight. Pure functions.

import { formatNumber } from './format-number.js';
import { buildVerdict, describeStep, type StepTransition } from './step-transitions.js';
import type { AnalysisState, CompiledTemplate } from './types.js';

/** The step of a controller weight: the last step whose weight is at most `weight` (step 0 below the first). */
export function stepOfWeight(template: CompiledTemplate, weight: number): number {
  let index = 0;
  template.steps.forEach((step, at) => {
    if (step.weight <= weight) index = at;
  });
  return index;
}

/**
 * A tick's transition in follow mode: an advance to a next step becomes a sticky promote at the
 * current step (the controller, not canaryd, moves the weight). Success on the last step, aborts,
 * pauses and stays are unchanged.
 */
export function stickyPromotion(template: CompiledTemplate, before: AnalysisState, proposed: StepTransition, now: number): StepTransition {
  const advanced = proposed.state.phase === 'running' && proposed.state.stepIndex > before.stepIndex;
  if (!advanced) return proposed;
  const current = before.stepIndex;
  const { verdict } = proposed;
  const reason =
    `${verdict.reason.split('; advancing to ')[0] ?? verdict.reason}; promote at ${describeStep(template, current)} ` +
    `(weight ${formatNumber(template.steps[current]?.weight ?? 0)}) holds until the controller moves to the next weight`;
  const sticky = buildVerdict(
    { action: 'promote', rule: verdict.rule, reason },
    { conditions: verdict.conditions, metrics: verdict.metrics, window: verdict.window },
    now,
  );
  const follow = { weight: before.follow?.weight ?? null, promoted: true };
  return { state: { ...proposed.state, stepIndex: current, stepStartedAt: before.stepStartedAt, follow, lastVerdict: sticky }, verdict: sticky, actions: [] };
}

/**
 * The controller reported `weight`: null when it changes nothing (same step, same weight);
 * otherwise the state at the step of that weight. Moving to another step starts that step afresh
 * (its clock, its error counts) and ends a sticky promote.
 */
export function observeWeight(template: CompiledTemplate, state: AnalysisState, weight: number, now: number): { state: AnalysisState; reason: string } | null {
  const step = stepOfWeight(template, weight);
  const follow = state.follow ?? { weight: null, promoted: false };
  if (step === state.stepIndex && follow.weight === weight && state.follow !== undefined) return null;
  const where = `${describeStep(template, step)} (weight ${formatNumber(template.steps[step]?.weight ?? 0)})`;
  if (step === state.stepIndex) {
    return { state: { ...state, follow: { ...follow, weight } }, reason: `the controller reports weight ${formatNumber(weight)}: still ${where}` };
  }
  const moved: AnalysisState = { ...state, stepIndex: step, stepStartedAt: now, consecutiveErrors: {}, follow: { weight, promoted: false } };
  return { state: moved, reason: `the controller moved to weight ${formatNumber(weight)}: now ${where}, judged afresh` };
}
