// Creating an analysis: validated, its template pinned (stored with its sha256), its first
// set-weight through the gate, idempotent on the caller's Idempotency-Key.

import { randomUUID } from 'node:crypto';
import { DomainError } from '../analysis/errors.js';
import { canonicalJson, sha256Hex } from '../analysis/evidence-hash.js';
import { startAnalysis } from '../analysis/step-machine.js';
import { buildVerdict, describeStep } from '../analysis/step-transitions.js';
import type { CompiledTemplate } from '../analysis/types.js';
import { assertEnvironment } from '../control/access.js';
import type { AnalysisRecord } from '../store/types.js';
import { resolveArgs, assertArgsRender } from '../template/render.js';
import { scheduleApprovalExpiry } from './approvals.js';
import { isoAt } from './clock.js';
import { analysisLogger, currentWeight, type DaemonContext } from './context.js';
import { callInputs, createdEvent, creationHash } from './events.js';
import { gateProposal } from './gated.js';
import type { Caller, CreateAnalysisRequest } from './service-types.js';
import { publishState } from './transitions.js';
import { validateCreateRequest } from './validate-request.js';

/** What this module takes from the DaemonContext. */
export type CreateDeps = Pick<
  DaemonContext,
  | 'store'
  | 'templates'
  | 'sources'
  | 'adapters'
  | 'metrics'
  | 'logger'
  | 'clock'
  | 'scheduler'
  | 'lanes'
  | 'phases'
  | 'ended'
  | 'control'
  | 'leases'
  | 'shutdown'
>;

const IDEMPOTENCY_KEY_MAX = 200;

export function templateHash(template: CompiledTemplate): string {
  return sha256Hex(canonicalJson(template));
}

function sameRequest(record: AnalysisRecord, request: CreateAnalysisRequest, args: Record<string, string>): boolean {
  return (
    canonicalJson({ template: record.template, args: record.args, mode: record.mode, adapter: record.adapter, target: record.target }) ===
    canonicalJson({
      template: request.template,
      args,
      mode: request.mode,
      adapter: request.mode === 'drive' ? (request.adapter ?? null) : null,
      target: { service: request.target.service, environment: request.target.environment, version: request.target.version },
    })
  );
}

/** What the create answered the first time: the record as it was created. */
export function asCreated(record: AnalysisRecord): AnalysisRecord {
  return record.initialState === undefined ? record : { ...record, state: record.initialState, updatedAt: record.createdAt };
}

export interface Created {
  record: AnalysisRecord;
  template: CompiledTemplate;
  /** Keys of the calls to make now. */
  callKeys: string[];
  /** false: the Idempotency-Key named an analysis created before; nothing new was started. */
  fresh: boolean;
}

function creationKeyOf(caller: Caller | undefined): string | null {
  // A gate's identity holds for every principal: one analysis per rollout revision, whoever polls.
  if (caller?.gateKey !== undefined) return `gate:${caller.gateKey}`;
  const key = caller?.idempotencyKey;
  if (key === undefined) return null;
  if (key.trim() === '' || key.length > IDEMPOTENCY_KEY_MAX) {
    throw new DomainError('invalid-request', `Idempotency-Key: 1 to ${IDEMPOTENCY_KEY_MAX} characters`, 'headers.idempotency-key');
  }
  return `${caller?.principal?.name ?? 'anonymous'}:${key}`;
}

async function existing(context: CreateDeps, key: string, request: CreateAnalysisRequest, args: Record<string, string>): Promise<AnalysisRecord | null> {
  const found = await context.store.findByCreationKey(key);
  if (found === null) return null;
  if (!sameRequest(found, request, args)) {
    if (key.startsWith('gate:')) {
      const gate = key.slice('gate:'.length);
      throw new DomainError(
        'idempotency-key-reused',
        `analysis ${found.id} exists for ${gate} with another template, args or target; a new revision starts a new analysis`,
        'revision',
      );
    }
    throw new DomainError(
      'idempotency-key-reused',
      `Idempotency-Key was already used for analysis ${found.id} with a different request`,
      'headers.idempotency-key',
    );
  }
  return found;
}

export async function createAnalysisRecord(context: CreateDeps, request: CreateAnalysisRequest, caller: Caller | undefined): Promise<Created> {
  const loaded = validateCreateRequest(request, context.templates, context.adapters);
  const principal = caller?.principal ?? null;
  assertEnvironment(principal, request.target.environment);
  const resolved = resolveArgs(loaded, request.args ?? {});
  if (!resolved.ok) throw missingArgument(loaded, request.args ?? {}, resolved.problems);
  // The arguments must be safe in the query language of the source the template reads.
  assertArgsRender(loaded, resolved.args, context.sources.get(loaded.source)?.dialect);
  const key = creationKeyOf(caller);
  if (key !== null) {
    const found = await existing(context, key, request, resolved.args);
    if (found !== null) return { record: found, template: found.templateSpec ?? loaded, callKeys: [], fresh: false };
  }
  // Pinned: a copy of the template as it is now, whatever later happens to the file.
  const template = JSON.parse(JSON.stringify(loaded)) as CompiledTemplate;

  const now = context.clock.now();
  const started = startAnalysis(template, now);
  const { actions } = started;
  const state = request.follow === true && request.mode === 'observe' ? { ...started.state, follow: { weight: null, promoted: false } } : started.state;
  const record: AnalysisRecord = {
    id: randomUUID(),
    template: template.name,
    args: resolved.args,
    mode: request.mode,
    adapter: request.mode === 'drive' ? (request.adapter ?? null) : null,
    target: { service: request.target.service, environment: request.target.environment, version: request.target.version },
    state,
    judgeMemory: {},
    createdAt: isoAt(now),
    updatedAt: isoAt(now),
    version: 1,
    createdBy: principal?.name ?? null,
    creationKey: key,
    templateSpec: template,
    templateHash: templateHash(template),
    ...(request.artifact === undefined ? {} : { artifact: request.artifact }),
    ...(request.previousVersion === undefined ? {} : { previousVersion: request.previousVersion }),
  };
  const hash = creationHash(record);
  const first = actions[0];
  const reason = `analysis created: ${first?.type ?? 'set-weight'} to weight ${first?.weight ?? 0} at ${describeStep(template, 0)}`;
  const verdict = { ...buildVerdict({ action: 'continue', rule: null, reason }, { conditions: [], metrics: [], window: '0s' }, now), evidenceHash: hash };
  const gated = gateProposal(context, {
    before: record,
    template,
    proposed: { state, verdict, actions },
    base: { ...state, phase: 'pending' },
    requestedBy: principal?.name ?? 'anonymous',
    refuse: true,
    events: [],
    now,
  });
  const initial: AnalysisRecord = gated.outcome === 'approval' ? { ...record, state: gated.input.state, approvals: gated.input.approvals ?? [] } : record;
  const stored: AnalysisRecord = key === null ? initial : { ...initial, initialState: initial.state };
  const calls = gated.outcome === 'approval' ? [] : callInputs(record, actions, { hash, rule: null, at: record.createdAt });
  try {
    await context.store.createAnalysis(stored, [createdEvent(stored, template, hash), ...gated.input.events], calls);
  } catch (error) {
    if (key === null || !(error instanceof DomainError && error.code === 'conflict')) throw error;
    // The same key, created meanwhile by a concurrent request: that analysis is the answer.
    const raced = await existing(context, key, request, resolved.args);
    if (raced === null) throw error;
    return { record: raced, template: raced.templateSpec ?? loaded, callKeys: [], fresh: false };
  }
  publishState(context, stored, template);
  analysisLogger(context, stored).info(
    {
      mode: stored.mode,
      adapter: stored.adapter,
      target: stored.target,
      step: 0,
      weight: currentWeight(template, state),
      evidenceHash: hash,
      templateHash: stored.templateHash,
      createdBy: stored.createdBy,
      phase: stored.state.phase,
    },
    'analysis created',
  );
  if (gated.approval !== undefined) scheduleApprovalExpiry(context, stored.id, gated.approval);
  return { record: stored, template, callKeys: calls.map((call) => call.idempotencyKey), fresh: true };
}

function missingArgument(template: CompiledTemplate, given: Record<string, string>, problems: string[]): DomainError {
  const declared = new Set(template.args.map((arg) => arg.name));
  const missing = template.args.find((arg) => arg.default === undefined && !Object.hasOwn(given, arg.name));
  const unknown = Object.keys(given).find((name) => !declared.has(name));
  const name = missing?.name ?? unknown;
  return new DomainError('missing-argument', problems.join('; '), name === undefined ? 'args' : `args.${name}`);
}
