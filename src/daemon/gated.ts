// A proposed transition (a tick's, a manual action's) through the gate: allowed as it is, held by a
// freeze, paused by a DENY, or turned into an approval request. The gate's decisions become
// events of the same commit as the state change.

import { randomUUID } from 'node:crypto';
import { DomainError } from '../analysis/errors.js';
import { transition, type StepTransition } from '../analysis/step-transitions.js';
import type { AnalysisState, CompiledTemplate, RuleRef, StepAction } from '../analysis/types.js';
import { allowedFollowUps, gate } from '../control/gate.js';
import { buildPacket } from '../control/packet.js';
import type { ApprovalRecord, PolicyAction, PolicyDecision } from '../control/types.js';
import type { AnalysisRecord, EventInput } from '../store/types.js';
import { isoAt } from './clock.js';
import { currentWeight, type DaemonContext } from './context.js';
import { approvalEvent, gateRules, policyDecisionEvent } from './control-context.js';
import { callInputs } from './events.js';
import type { TransitionInput } from './transitions.js';

/** What this module takes from the DaemonContext. */
export type GateDeps = Pick<DaemonContext, 'control'>;

export const FREEZE_RULE: RuleRef = { id: 'freeze', group: 'builtin' };
export const POLICY_DENIED_RULE: RuleRef = { id: 'policy-denied', group: 'builtin' };

export interface Proposal {
  before: AnalysisRecord;
  template: CompiledTemplate;
  /** What the step machine decided. */
  proposed: StepTransition;
  /** The state holds and pauses start from (the tick's error counts applied). */
  base: AnalysisState;
  /** Who asks: a principal's name, or "canaryd" for the analysis' own decisions. */
  requestedBy: string;
  /** A manual action's policy action; a refusal is then an error, not a pause. */
  manual?: PolicyAction;
  /** A freeze or a DENY is an error (creation), not a hold or a pause. */
  refuse?: boolean;
  events: EventInput[];
  judgeMemory?: Record<string, unknown>;
  now: number;
}

/** A refused manual action or creation; `audit` are the events that record who was refused, and why. */
export class RefusedAction extends DomainError {
  constructor(
    code: 'policy-denied' | 'frozen',
    message: string,
    readonly audit: EventInput[],
  ) {
    super(code, message);
    this.name = 'RefusedAction';
  }
}

export interface GatedTransition {
  input: TransitionInput;
  outcome: 'allow' | 'frozen' | 'deny' | 'approval';
  approval?: ApprovalRecord;
}

function decisionEvents(context: GateDeps, decisions: readonly PolicyDecision[], at: string, hash: string, actor: string): EventInput[] {
  return context.control.enforced ? decisions.map((decision) => policyDecisionEvent(decision, at, hash, actor)) : [];
}

function evidence(proposed: StepTransition) {
  const { verdict } = proposed;
  return { conditions: verdict.conditions, metrics: verdict.metrics, window: verdict.window };
}

function describeActions(actions: readonly StepAction[]): string {
  return actions.map((action) => `${action.type} (weight ${action.weight})`).join(', ');
}

export function gateProposal(context: GateDeps, proposal: Proposal): GatedTransition {
  const { before, template, proposed, base, now } = proposal;
  const subject = { environment: before.target.environment, service: before.target.service };
  const rules = gateRules(context.control);
  const outcome = gate(rules, subject, proposed.actions, proposal.manual);
  const at = proposed.verdict.at;
  const hash = proposed.verdict.evidenceHash;
  const common = { before, template, ...(proposal.judgeMemory === undefined ? {} : { judgeMemory: proposal.judgeMemory }) };

  switch (outcome.kind) {
    case 'allow':
      return {
        outcome: 'allow',
        input: {
          ...common,
          state: proposed.state,
          verdict: proposed.verdict,
          actions: proposed.actions,
          events: [...proposal.events, ...decisionEvents(context, outcome.decisions, at, hash, proposal.requestedBy)],
        },
      };
    case 'frozen': {
      const { freeze } = outcome;
      if (proposal.manual !== undefined || proposal.refuse === true) {
        const audit: EventInput = {
          type: 'action-refused',
          at,
          payload: { action: proposal.manual ?? 'create', reason: 'frozen', freezeId: freeze.id, actor: proposal.requestedBy, evidenceHash: hash },
        };
        throw new RefusedAction(
          'frozen',
          `freeze ${freeze.id} (${freeze.reason}) stops ${describeActions(proposed.actions)} for ${subject.service} in ${subject.environment}; DELETE /v1/freezes/${freeze.id} lifts it`,
          [audit],
        );
      }
      const reason = `freeze ${freeze.id} by ${freeze.createdBy} (${freeze.reason}) holds ${describeActions(proposed.actions)}; ${proposed.verdict.reason}`;
      const held = transition(template, base, now, 'stay', { action: 'hold', rule: FREEZE_RULE, reason }, evidence(proposed));
      return { outcome: 'frozen', input: { ...common, state: held.state, verdict: held.verdict, actions: [], events: proposal.events } };
    }
    case 'deny': {
      const { decision } = outcome;
      if (proposal.manual !== undefined || proposal.refuse === true) {
        throw new RefusedAction('policy-denied', decision.reason, decisionEvents(context, outcome.decisions, at, hash, proposal.requestedBy));
      }
      const reason = `${decision.reason}; ${describeActions(proposed.actions)} not done, analysis paused (was: ${proposed.verdict.reason})`;
      const paused = transition(template, base, now, 'pause', { action: 'hold', rule: POLICY_DENIED_RULE, reason }, evidence(proposed));
      const followUps = allowedFollowUps(rules, subject, paused.actions);
      const events = [
        ...proposal.events,
        ...decisionEvents(context, outcome.decisions, at, hash, proposal.requestedBy),
        ...decisionEvents(context, followUps.decisions, paused.verdict.at, paused.verdict.evidenceHash, 'canaryd'),
      ];
      return { outcome: 'deny', input: { ...common, state: paused.state, verdict: paused.verdict, actions: followUps.actions, events } };
    }
    case 'approval': {
      const approval = approvalFor(proposal, outcome.decision);
      const state: AnalysisState = {
        ...base,
        phase: 'awaiting-approval',
        lastVerdict: proposed.verdict,
        approval: { id: approval.id, originPhase: approval.originPhase, expiresAt: Date.parse(approval.expiresAt) },
      };
      const events = [
        ...proposal.events,
        ...decisionEvents(context, outcome.decisions, at, hash, proposal.requestedBy),
        approvalEvent('approval-requested', approval, at, proposal.requestedBy),
      ];
      return {
        outcome: 'approval',
        approval,
        input: { ...common, state, verdict: proposed.verdict, actions: [], events, approvals: [...(before.approvals ?? []), approval] },
      };
    }
  }
}

/** The step-machine change an approval unlocks: a manual action's, or what the analysis decided. */
function transitionKind(proposal: Proposal): ApprovalRecord['kind'] {
  switch (proposal.manual) {
    case 'manual-abort':
      return 'abort';
    case 'manual-pause':
      return 'pause';
    case 'manual-resume':
      return 'resume';
    case 'manual-promote':
      return 'advance';
    default:
      break;
  }
  const { phase } = proposal.proposed.state;
  if (phase === 'aborted') return 'abort';
  return phase === 'paused' ? 'pause' : 'advance';
}

function originOf(phase: AnalysisState['phase']): ApprovalRecord['originPhase'] {
  return phase === 'pending' || phase === 'paused' ? phase : 'running';
}

function approvalFor(proposal: Proposal, decision: PolicyDecision): ApprovalRecord {
  const { before, template, proposed, now } = proposal;
  const calls = callInputs(before, proposed.actions, { hash: proposed.verdict.evidenceHash, rule: proposed.verdict.rule, at: proposed.verdict.at });
  const main = proposed.actions.find((action) => action.type === decision.action) ?? proposed.actions[proposed.actions.length - 1];
  const originPhase = originOf(proposal.base.phase === 'awaiting-approval' ? (before.state.approval?.originPhase ?? 'running') : proposal.base.phase);
  const fromWeight = originPhase === 'pending' ? 0 : currentWeight(template, before.state);
  const kind = transitionKind(proposal);
  const approval: ApprovalRecord = {
    id: randomUUID(),
    analysisId: before.id,
    action: decision.action,
    target: before.target,
    fromWeight,
    toWeight: main === undefined ? fromWeight : main.type === 'rollback' ? 0 : main.weight,
    fromStep: before.state.stepIndex,
    toStep: main?.step ?? before.state.stepIndex,
    evidenceHash: proposed.verdict.evidenceHash,
    policyId: decision.policyId ?? 'none',
    policySetHash: decision.policySetHash,
    approvers: decision.approvers,
    requestedBy: proposal.requestedBy,
    createdBy: before.createdBy ?? null,
    requestedAt: isoAt(now),
    expiresAt: isoAt(now + decision.expiresMs),
    state: 'pending',
    rule: proposed.verdict.rule,
    kind,
    originPhase,
    calls,
    packet: buildPacket({ record: before, template, proposed, decision, calls, originPhase }),
    decidedBy: null,
    decidedAt: null,
    decisionReason: null,
  };
  return approval;
}
