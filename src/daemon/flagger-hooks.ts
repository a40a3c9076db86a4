// Flagger's webhooks, read as Flagger reads their answers (pkg/controller/webhook.go: a status
// above 202 is an error; pkg/controller/scheduler_hooks.go): for confirm-rollout,
// confirm-traffic-increase, confirm-promotion, pre-rollout and rollout a 2xx passes and anything else
// halts (or counts a failed check); for rollback a 2xx rolls back NOW and anything else does not.
// canaryd answers 200 to pass (or to roll back) and 412 for "not passed" / "do not roll back".

import { DomainError } from '../analysis/errors.js';
import type { CompiledTemplate } from '../analysis/types.js';
import type { AnalysisRecord } from '../store/types.js';
import type { CreateAnalysisRequest, VerdictView } from './service-types.js';
import { verdictView } from './views.js';

export const FLAGGER_HOOK_TYPES = [
  'confirm-rollout',
  'pre-rollout',
  'rollout',
  'confirm-traffic-increase',
  'confirm-promotion',
  'rollback',
  'post-rollout',
  'event',
] as const;
export type FlaggerHookType = (typeof FLAGGER_HOOK_TYPES)[number];

/** Flagger's CanaryWebhookPayload (pkg/apis/flagger/v1beta1/canary.go). */
export interface FlaggerPayload {
  name: string;
  namespace: string;
  phase: string;
  checksum: string;
  /** The webhook's `metadata` map (strings only); events add eventMessage, eventType, timestamp. */
  metadata?: Record<string, string>;
}

export interface FlaggerAnswer {
  /** 200: passed (rollback: roll back now); 412: not passed (rollback: do not roll back). */
  status: 200 | 412;
  type: FlaggerHookType;
  passed: boolean;
  reason: string;
  verdict: (VerdictView & { analysisId: string }) | null;
}

const ARG_PREFIX = 'args.';

function required(metadata: Record<string, string>, key: string, example: string): string {
  const value = metadata[key];
  if (value === undefined || value.trim() === '') {
    throw new DomainError(
      'invalid-request',
      `metadata.${key}: the webhook's metadata must name the ${example}; canaryd creates the analysis from it`,
      `metadata.${key}`,
    );
  }
  return value;
}

/**
 * The analysis a pre-rollout or rollout hook creates: metadata.template and metadata.environment
 * (required), metadata.service (default: the Canary's name), metadata.version (default: the
 * checksum) and `args.NAME` keys for the template's arguments.
 */
export function flaggerRequest(payload: FlaggerPayload): CreateAnalysisRequest {
  const metadata = payload.metadata ?? {};
  const template = required(metadata, 'template', 'analysis template (e.g. template: http-service)');
  const environment = required(metadata, 'environment', 'target environment (e.g. environment: prod)');
  const args: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (key.startsWith(ARG_PREFIX) && key.length > ARG_PREFIX.length) args[key.slice(ARG_PREFIX.length)] = value;
  }
  const service = metadata.service ?? payload.name;
  const version = metadata.version ?? payload.checksum;
  return { template, args, mode: 'observe', follow: true, target: { service, environment, version } };
}

interface Found {
  record: AnalysisRecord;
  template: CompiledTemplate | undefined;
}

export interface Decided {
  answer: FlaggerAnswer;
  /** A passed confirm-traffic-increase: the weight Flagger moves to. */
  moveTo?: number;
}

function decide(type: FlaggerHookType, passed: boolean, reason: string, found: Found | null): FlaggerAnswer {
  const verdict = found === null ? null : { analysisId: found.record.id, ...verdictView(found.record, found.template) };
  return { status: passed ? 200 : 412, type, passed, reason, verdict };
}

/** How canaryd answers `type` for the analysis of this revision (null: none yet). */
export function flaggerAnswer(type: FlaggerHookType, found: Found | null, gateKey: string): Decided {
  if (type === 'event') return { answer: decide(type, true, 'event received', found) };
  if (found === null) {
    if (type === 'confirm-rollout')
      return { answer: decide(type, true, `no analysis for ${gateKey} yet: canaryd judges from the pre-rollout or rollout hook on`, null) };
    if (type === 'post-rollout') return { answer: decide(type, true, `no analysis for ${gateKey}`, null) };
    const missing = `no analysis for ${gateKey}: add a pre-rollout or rollout webhook (with metadata.template and metadata.environment) that creates it`;
    return { answer: decide(type, false, type === 'rollback' ? `not rolling back: ${missing}` : missing, null) };
  }
  const view = verdictView(found.record, found.template);
  const state = found.record.state;
  const steps = found.template?.steps ?? [];
  const because = `canaryd says ${view.verdict} (${view.phase}, step ${view.step + 1} of ${steps.length}): ${view.reason}`;
  switch (type) {
    case 'rollback':
      return { answer: decide(type, view.verdict === 'abort', view.verdict === 'abort' ? `roll back: ${because}` : `not rolling back: ${because}`, found) };
    case 'confirm-rollout':
    case 'pre-rollout':
    case 'rollout':
    case 'post-rollout':
      return { answer: decide(type, view.verdict !== 'abort', because, found) };
    case 'confirm-promotion':
      return { answer: decide(type, view.phase === 'succeeded', view.phase === 'succeeded' ? because : `not promoting yet: ${because}`, found) };
    case 'confirm-traffic-increase': {
      const weightNow = state.follow?.weight ?? null;
      if (view.phase === 'running' && weightNow === null) {
        const first = steps[0]?.weight ?? 0;
        return { answer: decide(type, true, `first traffic: to weight ${first}, step 1 of ${steps.length}, which canaryd then judges`, found), moveTo: first };
      }
      const next = steps[state.stepIndex + 1];
      if (view.phase === 'running' && state.follow?.promoted === true && next !== undefined) {
        return { answer: decide(type, true, `${because}; on to weight ${next.weight}`, found), moveTo: next.weight };
      }
      return { answer: decide(type, false, `not increasing traffic: ${because}`, found) };
    }
  }
}
