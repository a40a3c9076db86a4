// The gate every change passes before it is recorded or called: freezes first (no set-weight or
// complete while a freeze covers the analysis), then the policies, one decision per action; the
// strictest decides. Pure.

import type { StepAction } from '../analysis/types.js';
import { decidePolicy, strictest } from './policy.js';
import type { FreezeRecord, Policy, PolicyAction, PolicyDecision } from './types.js';

export interface GateSubject {
  environment: string;
  service: string;
}

export interface GateRules {
  policies: readonly Policy[];
  policySetHash: string;
  freezes: readonly FreezeRecord[];
}

export type GateOutcome =
  | { kind: 'allow'; decisions: PolicyDecision[] }
  | { kind: 'frozen'; freeze: FreezeRecord; decisions: PolicyDecision[] }
  | { kind: 'deny'; decision: PolicyDecision; decisions: PolicyDecision[] }
  | { kind: 'approval'; decision: PolicyDecision; decisions: PolicyDecision[] };

const ADVANCING: ReadonlySet<StepAction['type']> = new Set(['set-weight', 'complete']);

export function isActiveFreeze(freeze: FreezeRecord): boolean {
  return freeze.liftedAt === null;
}

export function freezeCovers(freeze: FreezeRecord, subject: GateSubject): boolean {
  const { environment, service } = freeze.scope;
  return isActiveFreeze(freeze) && (environment === undefined || environment === subject.environment) && (service === undefined || service === subject.service);
}

/** Decides `manual` (if given) and every adapter action, in that order. */
export function gate(rules: GateRules, subject: GateSubject, actions: readonly StepAction[], manual?: PolicyAction): GateOutcome {
  const asked: PolicyAction[] = [...(manual === undefined ? [] : [manual]), ...actions.map((action) => action.type)];
  const decisions = asked.map((action) => decidePolicy(rules.policies, { ...subject, action }, rules.policySetHash));
  if (actions.some((action) => ADVANCING.has(action.type))) {
    const freeze = rules.freezes.find((candidate) => freezeCovers(candidate, subject));
    if (freeze !== undefined) return { kind: 'frozen', freeze, decisions: [] };
  }
  const decision = strictest(decisions);
  if (decision === undefined || decision.decision === 'ALLOW') return { kind: 'allow', decisions };
  if (decision.decision === 'DENY') return { kind: 'deny', decision, decisions };
  return { kind: 'approval', decision, decisions };
}

/** The actions a follow-up (a pause after a denial, a rejection or an expiry) may still call: only the allowed ones. */
export function allowedFollowUps(
  rules: GateRules,
  subject: GateSubject,
  actions: readonly StepAction[],
): { actions: StepAction[]; decisions: PolicyDecision[] } {
  const decisions = actions.map((action) => decidePolicy(rules.policies, { ...subject, action: action.type }, rules.policySetHash));
  return { actions: actions.filter((_, index) => decisions[index]?.decision === 'ALLOW'), decisions };
}
