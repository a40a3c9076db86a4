// Plain data shared by the pure core: templates after validation, measurements, verdicts, state.
// Measurements, judge evidence and metric results live in measurement-types.ts, re-exported here.

import type { MetricResult } from './measurement-types.js';

export * from './measurement-types.js';

export type Variant = 'baseline' | 'canary';
export type RuleGroup = 'abort' | 'hold' | 'promote';
export type VerdictAction = 'abort' | 'hold' | 'promote' | 'continue';
export type Direction = 'increase' | 'decrease' | 'both';
export type FailureAction = 'abort' | 'pause';

/** Ids of the rules canaryd decides itself; no template rule may use them. */
export const RESERVED_RULE_IDS = ['step-timeout', 'source-errors', 'adapter-failed', 'manual'] as const;
/** Built-in rules of the control boundary (issue 8): policy-denied, approval-expired, approval-rejected, freeze. */
export const CONTROL_RULE_IDS = ['policy-denied', 'approval-expired', 'approval-rejected', 'freeze'] as const;
export type ReservedRuleId = (typeof RESERVED_RULE_IDS)[number];

export const NUMERIC_STATS = ['baseline', 'canary', 'delta', 'change', 'ratio', 'p_value'] as const;
export const BOOLEAN_STATS = ['missing', 'error', 'regressed', 'improved'] as const;
/** Stats that exist only on metrics that carry a judge. */
export const JUDGE_STATS = ['regressed', 'improved', 'p_value'] as const;
export type NumericStat = (typeof NUMERIC_STATS)[number];
export type BooleanStat = (typeof BOOLEAN_STATS)[number];
export type Stat = NumericStat | BooleanStat;

// ---------------------------------------------------------------- conditions

export type ComparisonOp = '<' | '<=' | '>' | '>=' | '==' | '!=';

/** Column positions are 1-based offsets into the condition text. */
export type ConditionNode =
  | { type: 'or' | 'and'; left: ConditionNode; right: ConditionNode }
  | { type: 'not'; operand: ConditionNode }
  | { type: 'ref'; metric: string; stat: string; column: number }
  | {
      type: 'compare';
      metric: string;
      stat: string;
      column: number;
      op: ComparisonOp;
      /** The threshold after applying its unit (10% → 0.1, 250ms → 0.25). */
      value: number;
      /** The threshold as written, e.g. "10%". */
      literal: string;
    };

export type Truth = 'true' | 'false' | 'unknown';

// ---------------------------------------------------------------- templates

export interface CompiledCondition {
  text: string;
  ast: ConditionNode;
}

export interface CompiledRule {
  id: string;
  group: RuleGroup;
  /** All must be true (a list in YAML); a single expression is a list of one. */
  conditions: CompiledCondition[];
}

export interface StepSpec {
  weight: number;
  minDurationMs: number;
  /** null: no limit. */
  maxDurationMs: number | null;
}

/** A judge attached to a metric. Issue 4 fills in the statistical ones. */
export type JudgeSpec = { type: string } & Record<string, unknown>;

/**
 * A judge block compiled by its judge (MetricJudge.compile) when the template was loaded: its
 * config, or the problems that keep it from judging (reported by the judge at each tick).
 */
export type CompiledJudgeConfig<Config = unknown> =
  | { ok: true; config: Config }
  | { ok: false; problems: Array<{ path: Array<string | number>; message: string }> };

export interface MetricSpec {
  name: string;
  query: string;
  direction: Direction;
  judge?: JudgeSpec;
  /** `judge` compiled once at template load (absent on specs built by hand: the engine compiles them once). */
  compiledJudge?: CompiledJudgeConfig;
  /** A failed query of an optional metric does not hold the tick. */
  optional?: boolean;
}

export interface ArgSpec {
  name: string;
  default?: string;
}

/** A validated template with durations in milliseconds and conditions parsed. */
export interface CompiledTemplate {
  name: string;
  description?: string;
  source: string;
  args: ArgSpec[];
  variants: Record<Variant, string>;
  baseline: { mode: 'concurrent' | 'previous'; offsetMs: number };
  intervalMs: number;
  initialDelayMs: number;
  /** null: the window is the time since the current step began. */
  lookbackMs: number | null;
  steps: StepSpec[];
  onTimeout: FailureAction;
  consecutiveErrorLimit: number;
  onError: FailureAction;
  metrics: MetricSpec[];
  rules: CompiledRule[];
  /** Kayenta-style scoring (spec.scoring), validated by src/stats/scoring.ts; adds the pseudo-metric `score`. */
  scoring?: unknown;
  /** Gate inputs that are not metrics (spec.checks): evidence posted to the analysis, read as `checks.NAME.FIELD`. */
  checks?: CheckSpec[];
  /** metadata.owners: role → owner, shown in the gate report. */
  owners?: Record<string, string>;
}

// ---------------------------------------------------------------- checks (issue 9)

export const CHECK_FIELD_TYPES = ['number', 'boolean', 'string'] as const;
export type CheckFieldType = (typeof CHECK_FIELD_TYPES)[number];
export type CheckValue = number | boolean | string;

export interface CheckSpec {
  name: string;
  /** Every field the evidence must carry, with its type. */
  fields: Record<string, CheckFieldType>;
  /** Evidence older than this is unknown; null: it never goes stale. */
  maxAgeMs: number | null;
}

/** The latest evidence posted for one check of an analysis. */
export interface CheckEvidence {
  name: string;
  values: Record<string, CheckValue>;
  source: string;
  digest: string | null;
  /** ISO 8601: when canaryd received it. */
  at: string;
  actor: string | null;
}

/** A check as a verdict read it: its evidence and whether it was fresh at the tick. */
export interface CheckReading {
  values: Record<string, CheckValue>;
  source: string;
  digest: string | null;
  at: string;
  fresh: boolean;
}

// ---------------------------------------------------------------- verdicts

export interface ObservedValue {
  ref: string;
  value: number | boolean | null;
}

export interface ConditionRecord {
  rule: string;
  group: RuleGroup;
  text: string;
  truth: Truth;
  observed: ObservedValue[];
}

export interface RuleRef {
  id: string;
  group: RuleGroup | 'builtin';
}

export interface TickVerdict {
  action: VerdictAction;
  rule: RuleRef | null;
  reason: string;
  /** Every evaluated condition of every rule evaluated this tick, in order. */
  conditions: ConditionRecord[];
  metrics: MetricResult[];
  window: string;
  at: string;
  evidenceHash: string;
  /** The checks the template declares, as this tick read them (absent without spec.checks); part of the evidence hash. */
  checks?: Record<string, CheckReading | null>;
}

// ---------------------------------------------------------------- step machine

export type Phase = 'pending' | 'running' | 'paused' | 'awaiting-approval' | 'succeeded' | 'aborted' | 'failed';

/** An analysis in phase awaiting-approval waits for this request; originPhase is where it came from. */
export interface AwaitedApproval {
  id: string;
  originPhase: 'pending' | 'running' | 'paused';
  /** Epoch ms. */
  expiresAt: number;
}

/** Phases an analysis never leaves. */
export const ENDED_PHASES: readonly Phase[] = ['succeeded', 'aborted', 'failed'];

export interface AnalysisState {
  phase: Phase;
  stepIndex: number;
  /** Epoch ms. */
  startedAt: number;
  stepStartedAt: number;
  /** Consecutive ticks in which each metric's query failed. */
  consecutiveErrors: Record<string, number>;
  lastVerdict: TickVerdict | null;
  /** Epoch ms of the decision that ended the analysis. */
  decidedAt: number | null;
  decidedBy: RuleRef | null;
  /** Set while the phase is awaiting-approval. */
  approval?: AwaitedApproval;
  /** Observe mode following a controller's weight (gates, observed-weight); absent: canaryd steps itself. */
  follow?: FollowState;
}

/** What canaryd knows of the controller it follows. */
export interface FollowState {
  /** The controller's last reported weight; null before the first report. */
  weight: number | null;
  /** A promote for the current step that stays until the controller moves to the next weight (sticky). */
  promoted: boolean;
}

/** What is being released: the deployment an analysis judges (domain type shared by the store and the adapters). */
export interface Target {
  service: string;
  environment: string;
  version: string;
}

/** What an adapter is asked to do; the same names as StepAction's types. */
export type AdapterAction = 'set-weight' | 'complete' | 'rollback' | 'pause' | 'resume';

export type StepAction =
  | { type: 'set-weight'; step: number; weight: number }
  | { type: 'complete'; step: number; weight: number }
  | { type: 'rollback'; step: number; weight: number }
  | { type: 'pause'; step: number; weight: number }
  | { type: 'resume'; step: number; weight: number };
