// The approval packet: what an approver reads before deciding — the action, where, the current and
// proposed state, the evidence (rule, each condition with its values), risk flags, the exact
// adapter call and the undo path. Pure.

import type { StepTransition } from '../analysis/step-transitions.js';
import type { CompiledTemplate } from '../analysis/types.js';
import type { AdapterCallInput, AnalysisRecord } from '../store/types.js';
import type { ApprovalPacket, ApprovalRecord, PolicyDecision } from './types.js';

export interface PacketInput {
  record: AnalysisRecord;
  template: CompiledTemplate;
  proposed: StepTransition;
  decision: PolicyDecision;
  calls: readonly AdapterCallInput[];
  originPhase: ApprovalRecord['originPhase'];
}

function weightAt(template: CompiledTemplate, index: number): number {
  return template.steps[index]?.weight ?? 0;
}

function riskFlags(input: PacketInput): string[] {
  const { record, proposed, template } = input;
  const flags: string[] = [];
  const metrics = proposed.verdict.metrics;
  if (metrics.some((metric) => metric.missing))
    flags.push(
      `missing telemetry: ${metrics
        .filter((m) => m.missing)
        .map((m) => m.name)
        .join(', ')}`,
    );
  if (metrics.some((metric) => metric.error))
    flags.push(
      `failed queries: ${metrics
        .filter((m) => m.error)
        .map((m) => m.name)
        .join(', ')}`,
    );
  if (metrics.some((metric) => metric.regressed === true))
    flags.push(
      `regressed: ${metrics
        .filter((m) => m.regressed === true)
        .map((m) => m.name)
        .join(', ')}`,
    );
  if (proposed.verdict.rule === null || proposed.verdict.rule.group === 'builtin') flags.push('no template promote rule fired for this action');
  if (proposed.actions.some((action) => action.type === 'complete') || proposed.actions.some((action) => action.weight >= 100)) {
    flags.push('full traffic: every user gets the canary');
  }
  if (record.mode === 'observe') flags.push('observe mode: canaryd makes no adapter call; the controller acts on the verdict');
  if (template.steps.length > 0 && proposed.actions.some((action) => action.step === 0 && action.type === 'set-weight')) {
    flags.push('first traffic to the canary');
  }
  return flags;
}

function undoPath(input: PacketInput): string {
  const { record } = input;
  if (record.mode === 'observe') return 'the controller rolls back; POST /v1/analyses/{id}/actions {"action":"abort"} makes the verdict abort';
  return `POST /v1/analyses/${record.id}/actions {"action":"abort"}: a rollback call to adapter ${record.adapter ?? 'none'} sets the weight to 0`;
}

export function buildPacket(input: PacketInput): ApprovalPacket {
  const { record, template, proposed, calls } = input;
  const { verdict } = proposed;
  const main = proposed.actions[proposed.actions.length - 1];
  const currentStep = record.state.stepIndex;
  return {
    action: input.decision.action,
    environment: record.target.environment,
    service: record.target.service,
    version: record.target.version,
    current: { step: currentStep, weight: input.originPhase === 'pending' ? 0 : weightAt(template, currentStep), phase: input.originPhase },
    proposed: { step: main?.step ?? currentStep, weight: main?.weight ?? weightAt(template, currentStep), phase: proposed.state.phase },
    evidence: {
      evidenceHash: verdict.evidenceHash,
      rule: verdict.rule,
      reason: verdict.reason,
      conditions: verdict.conditions.map((condition) => ({
        rule: condition.rule,
        text: condition.text,
        truth: condition.truth,
        observed: condition.observed.map((value) => ({ ref: value.ref, value: value.value })),
      })),
    },
    riskFlags: riskFlags(input),
    adapterCall: calls[calls.length - 1] ?? null,
    undo: undoPath(input),
  };
}
