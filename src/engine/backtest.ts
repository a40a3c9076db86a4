// Replays an analysis over history as if the canary had started at `startMs`.

import { isJudgementDue, startAnalysis } from '../analysis/step-machine.js';
import type { AnalysisState, CheckEvidence, CompiledTemplate, ConditionRecord, MetricResult, RuleRef, TickVerdict, VerdictAction } from '../analysis/types.js';
import type { MeasureDeps } from './measure.js';
import { runTick } from './tick.js';

export type FinalVerdict = 'promote' | 'abort' | 'hold';

export interface ReportedTick {
  at: string;
  step: number;
  weight: number;
  verdict: VerdictAction;
  rule: RuleRef | null;
  reason: string;
  window: string;
  evidenceHash: string;
  conditions: ConditionRecord[];
  metrics: MetricResult[];
}

export interface AnalysisReport {
  template: string;
  args: Record<string, string>;
  verdict: FinalVerdict;
  decidedAt: string | null;
  /** 0-based index of the step the analysis ended on; `steps` says how many there are. */
  step: number;
  steps: number;
  weight: number;
  rule: RuleRef | null;
  reason: string;
  ticks: ReportedTick[];
}

export interface BacktestRequest {
  template: CompiledTemplate;
  args: Record<string, string>;
  startMs: number;
  endMs: number;
  onTick?: (tick: ReportedTick, index: number) => void;
  /** Evidence for the template's checks (spec.checks), as if posted at startMs. */
  checks?: Readonly<Record<string, CheckEvidence>>;
}

export async function runBacktest(request: BacktestRequest, deps: MeasureDeps): Promise<AnalysisReport> {
  const { template, args, startMs, endMs } = request;
  let state = startAnalysis(template, startMs).state;
  let judgeMemory: Record<string, unknown> = {};
  const ticks: ReportedTick[] = [];
  for (let now = startMs + template.intervalMs; now <= endMs && state.phase === 'running'; now += template.intervalMs) {
    if (!isJudgementDue(template, state, now)) continue;
    const stepBefore = state.stepIndex;
    const result = await runTick({ template, args, state, judgeMemory, now, ...(request.checks === undefined ? {} : { checks: request.checks }) }, deps);
    const tick = reportTick(template, stepBefore, result.verdict);
    ticks.push(tick);
    request.onTick?.(tick, ticks.length - 1);
    state = result.state;
    judgeMemory = result.judgeMemory;
  }
  return buildReport(template, args, state, ticks);
}

export function reportTick(template: CompiledTemplate, stepIndex: number, verdict: TickVerdict): ReportedTick {
  return {
    at: verdict.at,
    step: stepIndex,
    weight: template.steps[stepIndex]?.weight ?? 0,
    verdict: verdict.action,
    rule: verdict.rule,
    reason: verdict.reason,
    window: verdict.window,
    evidenceHash: verdict.evidenceHash,
    conditions: verdict.conditions,
    metrics: verdict.metrics,
  };
}

/** The final verdict: promote when the last step promoted, abort when aborted, otherwise hold (undecided or paused). */
export function buildReport(template: CompiledTemplate, args: Record<string, string>, state: AnalysisState, ticks: ReportedTick[]): AnalysisReport {
  const verdict: FinalVerdict = state.phase === 'succeeded' ? 'promote' : state.phase === 'aborted' ? 'abort' : 'hold';
  const last = state.lastVerdict;
  return {
    template: template.name,
    args,
    verdict,
    decidedAt: state.decidedAt === null ? null : new Date(state.decidedAt).toISOString(),
    step: state.stepIndex,
    steps: template.steps.length,
    weight: template.steps[state.stepIndex]?.weight ?? 0,
    // Undecided: the last tick's rule (e.g. the hold rule that kept it waiting), so the person sees why.
    rule: state.decidedBy ?? last?.rule ?? null,
    reason: last?.reason ?? 'no judgement was due before the end of the period (initialDelay or too short a period)',
    ticks,
  };
}
