// Store records → what the API shows.

import { formatDuration } from '../analysis/duration.js';
import type { CompiledTemplate, VerdictAction } from '../analysis/types.js';
import type { AnalysisRecord, AnalysisSummary } from '../store/types.js';
import { isoAt } from './clock.js';
import { currentWeight } from './context.js';
import type { AnalysisSummaryView, AnalysisView, VerdictView } from './service-types.js';

export function analysisView(record: AnalysisRecord, template: CompiledTemplate | undefined): AnalysisView {
  const { state } = record;
  return {
    id: record.id,
    template: record.template,
    args: record.args,
    mode: record.mode,
    adapter: record.adapter,
    target: record.target,
    phase: state.phase,
    step: state.stepIndex,
    steps: template?.steps.length ?? 0,
    weight: currentWeight(template, state),
    startedAt: isoAt(state.startedAt),
    stepStartedAt: isoAt(state.stepStartedAt),
    decidedAt: state.decidedAt === null ? null : isoAt(state.decidedAt),
    decidedBy: state.decidedBy,
    lastVerdict: state.lastVerdict,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    templateHash: record.templateHash ?? null,
    createdBy: record.createdBy ?? null,
    approval: state.approval === undefined ? null : { id: state.approval.id, expiresAt: isoAt(state.approval.expiresAt) },
  };
}

/** `template`: the loaded template of that name, for an analysis that has no pinned one. */
export function summaryView(summary: AnalysisSummary, template: CompiledTemplate | undefined): AnalysisSummaryView {
  const weights = summary.pinnedStepWeights ?? template?.steps.map((step) => step.weight) ?? [];
  return {
    id: summary.id,
    template: summary.template,
    args: summary.args,
    mode: summary.mode,
    adapter: summary.adapter,
    target: summary.target,
    phase: summary.phase,
    step: summary.stepIndex,
    steps: weights.length,
    weight: weights[summary.stepIndex] ?? 0,
    startedAt: isoAt(summary.startedAt),
    stepStartedAt: isoAt(summary.stepStartedAt),
    decidedAt: summary.decidedAt === null ? null : isoAt(summary.decidedAt),
    decidedBy: summary.decidedBy,
    lastVerdict: summary.lastVerdict,
    observedWeight: summary.observedWeight,
    createdAt: summary.createdAt,
    updatedAt: summary.updatedAt,
    templateHash: summary.templateHash,
    createdBy: summary.createdBy,
  };
}

/**
 * The poller's answer: succeeded → promote, aborted → abort, paused → hold, running → the last
 * tick's action (continue before the first judgement). A failed analysis keeps the action of the
 * adapter-failed verdict (abort after a failed rollback, hold after a failed complete).
 */
export function verdictView(record: AnalysisRecord, template: CompiledTemplate | undefined): VerdictView {
  const { state } = record;
  const last = state.lastVerdict;
  const fromPhase: Partial<Record<typeof state.phase, VerdictAction>> = {
    succeeded: 'promote',
    aborted: 'abort',
    paused: 'hold',
    // Nothing advances until an approver decides.
    'awaiting-approval': 'hold',
  };
  const verdict = fromPhase[state.phase] ?? last?.action ?? 'continue';
  // An advance on a promote moved stepStartedAt to the verdict's instant: that promote was for the step before.
  const advanced =
    state.phase === 'running' && last?.action === 'promote' && state.stepIndex > 0 && last.at === isoAt(state.stepStartedAt) && state.follow === undefined;
  const forStep = advanced ? state.stepIndex - 1 : state.stepIndex;
  return {
    verdict,
    phase: state.phase,
    step: state.stepIndex,
    weight: currentWeight(template, state),
    rule: last?.rule ?? null,
    reason: last?.reason ?? waitingReason(template),
    evidenceHash: last?.evidenceHash ?? null,
    at: last?.at ?? null,
    forStep,
    forWeight: template?.steps[forStep]?.weight ?? 0,
    observedWeight: state.follow?.weight ?? null,
  };
}

function waitingReason(template: CompiledTemplate | undefined): string {
  if (template === undefined) return 'no judgement yet';
  const delay = template.initialDelayMs > 0 ? `after the initial delay of ${formatDuration(template.initialDelayMs)}, ` : '';
  return `no judgement yet: the first comes ${delay}at a tick every ${formatDuration(template.intervalMs)}`;
}
