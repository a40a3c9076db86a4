// The gate report of seed 002 (issue 9), built from a verdict's evaluated conditions: one blocker per
// condition, stated as what must hold for the release to go on, with the value read and whether it
// held. Pure: the daemon (GET /v1/analyses/{id}/gate) and `canaryd analyze --output gate` share it.

import { parseDuration } from '../analysis/duration.js';
import { parseCondition } from '../analysis/conditions/parser.js';
import type { ComparisonOp, ConditionRecord, Phase, TickVerdict, Truth } from '../analysis/types.js';

export type GateDecision = 'allow_promotion_to_next_stage' | 'block' | 'rollback' | 'hold';
export type TargetKey = 'target_lt' | 'target_lte' | 'target_gt' | 'target_gte' | 'target_eq' | 'target_ne';

export type Blocker = Partial<Record<TargetKey, number | boolean>> & {
  value: number | boolean | null;
  /** null: unknown (no value, or a stale check). */
  pass: boolean | null;
};

export interface GateReport {
  gate_id: string;
  window: { duration: string; start: string | null; end: string } | null;
  blockers: Record<string, Blocker>;
  owners: Record<string, string>;
  decision: GateDecision;
}

const TARGET_OF: Record<ComparisonOp, TargetKey> = {
  '<': 'target_lt',
  '<=': 'target_lte',
  '>': 'target_gt',
  '>=': 'target_gte',
  '==': 'target_eq',
  '!=': 'target_ne',
};
/** An abort or hold condition is a blocker when it fires: what must hold is its negation. */
const NEGATED: Record<ComparisonOp, ComparisonOp> = { '<': '>=', '<=': '>', '>': '<=', '>=': '<', '==': '!=', '!=': '==' };

function truthValue(truth: Truth): boolean | null {
  return truth === 'unknown' ? null : truth === 'true';
}

function blockerOf(record: ConditionRecord): Blocker {
  // A promote condition must be true; an abort or hold condition must be false.
  const wanted = record.group === 'promote';
  const held = truthValue(record.truth);
  const pass = held === null ? null : held === wanted;
  const parsed = parseCondition(record.text);
  const ast = parsed.ok ? parsed.ast : null;
  if (ast?.type === 'compare') {
    const op = wanted ? ast.op : NEGATED[ast.op];
    const observed = record.observed[0]?.value ?? null;
    return { [TARGET_OF[op]]: ast.value, value: observed, pass };
  }
  if (ast?.type === 'ref') return { target_eq: wanted, value: record.observed[0]?.value ?? null, pass };
  // A compound condition: the target is its truth.
  return { target_eq: wanted, value: held, pass };
}

function windowOf(verdict: TickVerdict): GateReport['window'] {
  const ms = parseDuration(verdict.window);
  const end = Date.parse(verdict.at);
  const start = ms === null || !Number.isFinite(end) ? null : new Date(end - ms).toISOString();
  return { duration: verdict.window, start, end: verdict.at };
}

export function gateDecision(verdict: TickVerdict | null, phase: Phase | null, blockers: Record<string, Blocker>): GateDecision {
  if (phase === 'succeeded' || verdict?.action === 'promote') return 'allow_promotion_to_next_stage';
  if (phase === 'aborted' || verdict?.action === 'abort') return 'rollback';
  if (Object.values(blockers).some((blocker) => blocker.pass === false)) return 'block';
  return 'hold';
}

export interface GateReportInput {
  gateId: string;
  verdict: TickVerdict | null;
  /** The analysis' phase (null for a one-shot judgement). */
  phase: Phase | null;
  owners: Record<string, string> | undefined;
}

export function buildGateReport(input: GateReportInput): GateReport {
  const blockers: Record<string, Blocker> = {};
  for (const record of input.verdict?.conditions ?? []) {
    // The same text in two rules: the second is named by its rule.
    const key = Object.hasOwn(blockers, record.text) ? `${record.rule}: ${record.text}` : record.text;
    blockers[key] = blockerOf(record);
  }
  return {
    gate_id: input.gateId,
    window: input.verdict === null ? null : windowOf(input.verdict),
    blockers,
    owners: { ...(input.owners ?? {}) },
    decision: gateDecision(input.verdict, input.phase, blockers),
  };
}
