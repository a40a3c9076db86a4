// What the HTML canary report shows, read from an analysis and its committed events. Pure: the
// same analysis and trail always give the same model. Events of kinds it does not know are
// ignored, so a trail from a newer daemon still renders.

import type { RuleRef } from '../analysis/types.js';

/** The parts of an analysis (as the API shows it) the report reads. */
export interface ReportAnalysis {
  id: string;
  template: string;
  mode: string;
  phase: string;
  target: { service: string; environment: string; version: string };
  step: number;
  steps: number;
  weight: number;
  startedAt: string;
  decidedAt: string | null;
  decidedBy: RuleRef | null;
  templateHash?: string | null;
  createdBy?: string | null;
}

export interface ReportEvent {
  seq: number;
  type: string;
  at: string;
  payload: Record<string, unknown>;
  hash?: string;
}

export interface ReportDecision {
  at: string;
  decision: string;
  rule: RuleRef | null;
  reason: string;
  evidenceHash: string | null;
  fromStep: number | null;
  step: number | null;
  weight: number | null;
  actor: string | null;
}

/** Consecutive ticks with the same verdict and rule, as one row. */
export interface VerdictRun {
  from: string;
  to: string;
  ticks: number;
  action: string;
  rule: RuleRef | null;
  step: number | null;
  weight: number | null;
  /** The reason of the run's last tick. */
  reason: string;
}

export interface MetricPoint {
  at: number;
  baseline: number | null;
  canary: number | null;
}

export interface EvidencePoint {
  at: number;
  pValue: number | null;
  eValue: number | null;
}

export interface MetricSeries {
  name: string;
  points: MetricPoint[];
  /** The judge's name when the metric is judged. */
  judge: string | null;
  evidence: EvidencePoint[];
  /** The last tick's result. */
  last: { baseline: number | null; canary: number | null; change: number | null; regressed: boolean | null; message: string | null };
}

export interface ReportCheck {
  name: string;
  at: string;
  values: Record<string, unknown>;
  source: string;
  digest: string | null;
  actor: string | null;
}

export interface ReportApproval {
  at: string;
  type: string;
  approvalId: string;
  action: string;
  actor: string;
  reason: string;
}

export interface ReportModel {
  analysis: ReportAnalysis;
  /** The latest decision (null while undecided). */
  decision: ReportDecision | null;
  decisions: ReportDecision[];
  verdicts: VerdictRun[];
  /** Epoch ms at which each step began (from the decisions), for chart markers. */
  stepStarts: Array<{ at: number; step: number; weight: number | null }>;
  metrics: MetricSeries[];
  checks: ReportCheck[];
  approvals: ReportApproval[];
  /** The hash of the trail's last event: what the report was built from. */
  lastEventHash: string | null;
  events: number;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function textOrNull(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function ruleOf(value: unknown): RuleRef | null {
  if (typeof value !== 'object' || value === null) return null;
  const { id, group } = value as { id?: unknown; group?: unknown };
  return typeof id === 'string' && typeof group === 'string' ? ({ id, group } as RuleRef) : null;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function sameRule(a: RuleRef | null, b: RuleRef | null): boolean {
  return a?.id === b?.id && a?.group === b?.group;
}

function decisionOf(event: ReportEvent, actor: string | null): ReportDecision {
  const { payload } = event;
  return {
    at: event.at,
    decision: text(payload.decision),
    rule: ruleOf(payload.rule),
    reason: text(payload.reason),
    evidenceHash: textOrNull(payload.evidenceHash),
    fromStep: numberOrNull(payload.fromStep),
    step: numberOrNull(payload.step),
    weight: numberOrNull(payload.weight),
    actor,
  };
}

function addTick(runs: VerdictRun[], event: ReportEvent): void {
  const { payload } = event;
  const action = text(payload.action);
  const rule = ruleOf(payload.rule);
  const step = numberOrNull(payload.step);
  const last = runs.at(-1);
  if (last !== undefined && last.action === action && sameRule(last.rule, rule) && last.step === step) {
    last.to = event.at;
    last.ticks += 1;
    last.reason = text(payload.reason);
    return;
  }
  runs.push({ from: event.at, to: event.at, ticks: 1, action, rule, step, weight: numberOrNull(payload.weight), reason: text(payload.reason) });
}

function addMetrics(series: Map<string, MetricSeries>, event: ReportEvent): void {
  const at = Date.parse(event.at);
  if (!Number.isFinite(at) || !Array.isArray(event.payload.metrics)) return;
  for (const raw of event.payload.metrics) {
    const metric = record(raw);
    const name = text(metric.name);
    if (name === '') continue;
    let entry = series.get(name);
    if (entry === undefined) {
      entry = { name, points: [], judge: null, evidence: [], last: { baseline: null, canary: null, change: null, regressed: null, message: null } };
      series.set(name, entry);
    }
    const baseline = numberOrNull(metric.baseline);
    const canary = numberOrNull(metric.canary);
    entry.points.push({ at, baseline, canary });
    const regressed = typeof metric.regressed === 'boolean' ? metric.regressed : null;
    entry.last = { baseline, canary, change: numberOrNull(metric.change), regressed, message: textOrNull(metric.message) };
    const judge = record(metric.judge);
    if (typeof judge.judge === 'string') {
      entry.judge = judge.judge;
      entry.evidence.push({ at, pValue: numberOrNull(judge.pValue) ?? numberOrNull(metric.p_value), eValue: numberOrNull(record(judge.details).eValue) });
    }
  }
}

function checkOf(event: ReportEvent): ReportCheck | null {
  const { payload } = event;
  const name = text(payload.name);
  if (name === '' || typeof payload.values !== 'object' || payload.values === null) return null;
  return {
    name,
    at: text(payload.at) || event.at,
    values: record(payload.values),
    source: text(payload.source),
    digest: textOrNull(payload.digest),
    actor: textOrNull(payload.actor),
  };
}

/** Events whose type names a posted check (issue 9's checks): rendered when the trail has them. */
function isCheckEvent(type: string): boolean {
  return type === 'check';
}

export function buildReportModel(analysis: ReportAnalysis, events: readonly ReportEvent[]): ReportModel {
  const decisions: ReportDecision[] = [];
  const verdicts: VerdictRun[] = [];
  const series = new Map<string, MetricSeries>();
  const checks = new Map<string, ReportCheck>();
  const approvals: ReportApproval[] = [];
  const stepStarts: ReportModel['stepStarts'] = [{ at: Date.parse(analysis.startedAt), step: 0, weight: null }];
  let pendingActor: string | null = null;
  for (const event of events) {
    const { payload } = event;
    if (event.type === 'created') {
      stepStarts[0] = { at: Date.parse(event.at), step: numberOrNull(payload.step) ?? 0, weight: numberOrNull(payload.weight) };
    } else if (event.type === 'tick') {
      addTick(verdicts, event);
      addMetrics(series, event);
    } else if (event.type === 'manual-action') {
      pendingActor = textOrNull(payload.actor);
    } else if (event.type === 'decision') {
      const decision = decisionOf(event, manualActor(payload, pendingActor));
      pendingActor = null;
      decisions.push(decision);
      if (decision.step !== null && decision.step !== decision.fromStep)
        stepStarts.push({ at: Date.parse(event.at), step: decision.step, weight: decision.weight });
    } else if (event.type.startsWith('approval-')) {
      approvals.push({
        at: event.at,
        type: event.type,
        approvalId: text(payload.approvalId),
        action: text(payload.action),
        actor: text(payload.actor),
        reason: text(payload.reason),
      });
    } else if (isCheckEvent(event.type)) {
      const check = checkOf(event);
      if (check !== null) checks.set(check.name, check);
    }
  }
  return {
    analysis,
    decision: decisions.at(-1) ?? null,
    decisions,
    verdicts,
    stepStarts,
    metrics: [...series.values()],
    checks: [...checks.values()],
    approvals,
    lastEventHash: events.at(-1)?.hash ?? null,
    events: events.length,
  };
}

/** A manual decision names the operator of the manual-action event just before it. */
function manualActor(payload: Record<string, unknown>, pendingActor: string | null): string | null {
  return ruleOf(payload.rule)?.id === 'manual' ? pendingActor : null;
}
