// A whole tick: measure, apply the rules, move the step machine. No clock reads: `now` is given.

import { readChecks, withChecks } from '../analysis/checks.js';
import { statLookupFor } from '../analysis/metric-result.js';
import { evaluateRules } from '../analysis/rules.js';
import { applyTick, windowMs as templateWindowMs } from '../analysis/step-machine.js';
import type { AnalysisState, CheckEvidence, CompiledTemplate, StepAction, TickVerdict } from '../analysis/types.js';
import { scoreAsMetric, withScore } from '../stats/score-metric.js';
import { measureTick, type MeasureDeps } from './measure.js';

export interface TickRequest {
  template: CompiledTemplate;
  args: Record<string, string>;
  state: AnalysisState;
  judgeMemory: Record<string, unknown>;
  now: number;
  /** One-shot judgements (analyze) let the rules decide without waiting for minDuration. */
  ignoreMinDuration?: boolean;
  /** Overrides the template's window (analyze --window). */
  windowMs?: number;
  /** The evidence posted for the template's checks (spec.checks), by name; absent: none posted. */
  checks?: Readonly<Record<string, CheckEvidence>>;
}

export interface TickResult {
  state: AnalysisState;
  verdict: TickVerdict;
  actions: StepAction[];
  judgeMemory: Record<string, unknown>;
}

export async function runTick(request: TickRequest, deps: MeasureDeps): Promise<TickResult> {
  const { template, state, now } = request;
  const windowMs = request.windowMs ?? templateWindowMs(template, state, now);
  const measured = await measureTick({ template, args: request.args, state, now, windowMs, judgeMemory: request.judgeMemory }, deps);
  let metrics = measured.metrics;
  let lookup = statLookupFor(metrics);
  if (template.scoring !== undefined) {
    const { result, score } = scoreAsMetric(metrics, template.scoring);
    metrics = [...metrics, result];
    lookup = withScore(lookup, score);
  }
  // Checks are read at the tick's time: one posted too long ago is unknown, like a missing metric.
  const checks = template.checks === undefined || template.checks.length === 0 ? undefined : readChecks(template.checks, request.checks ?? {}, now);
  if (checks !== undefined) lookup = withChecks(lookup, checks);
  const outcome = evaluateRules(template.rules, lookup);
  const next = applyTick(template, state, {
    outcome,
    metrics,
    window: measured.window,
    now,
    ignoreMinDuration: request.ignoreMinDuration ?? false,
    ...(checks === undefined ? {} : { checks }),
  });
  // Judge memory lives for the whole analysis: sequential evidence survives a step change (the
  // judges see the new step in their context and restart only their per-step counters).
  return { ...next, judgeMemory: { ...request.judgeMemory, ...measured.judgeMemory } };
}
