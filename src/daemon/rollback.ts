// A rollback of a target to a named version (POST /v1/releases/rollback): checked against the
// policies (action `rollback`), recorded on the target's latest drive-mode analysis as a
// `release-rollback` event together with its adapter call in one transaction, then the call is made
// by the ordinary call machinery (idempotency key, retries, recovery after a restart).

import { randomUUID } from 'node:crypto';
import { idempotencyKey, type AdapterRequest } from '../adapters/types.js';
import { canonicalJson, sha256Hex } from '../analysis/evidence-hash.js';
import { DomainError } from '../analysis/errors.js';
import { assertEnvironment } from '../control/access.js';
import { decidePolicy } from '../control/policy.js';
import type { Principal } from '../control/types.js';
import { MAX_RELEASE_PAGE, type AnalysisRecord, type EventInput, type StoredRollback } from '../store/types.js';
import { performRecordedCalls } from './calls.js';
import { isoAt } from './clock.js';
import { analysisLogger, errorMessage, type DaemonContext } from './context.js';
import { policyDecisionEvent } from './control-context.js';
import type { RollbackRecord, RollbackRequest } from './release-types.js';

/** What this module takes from the DaemonContext. */
export type RollbackDeps = Pick<
  DaemonContext,
  'store' | 'templates' | 'adapters' | 'metrics' | 'logger' | 'clock' | 'scheduler' | 'lanes' | 'phases' | 'ended' | 'control' | 'leases'
>;

const COMMIT_ATTEMPTS = 3;
const LISTED_VERSIONS = 10;
export const MANUAL_RULE = { id: 'manual', group: 'builtin' } as const;

/** Every analysis of the target, newest first. */
export async function releasesOf(context: RollbackDeps, service: string, environment: string): Promise<AnalysisRecord[]> {
  const all: AnalysisRecord[] = [];
  let before: string | undefined;
  for (;;) {
    const page = await context.store.listReleases({ service, environment, limit: MAX_RELEASE_PAGE, ...(before === undefined ? {} : { before }) });
    all.push(...page.records);
    if (page.nextCursor === null) return all;
    before = page.nextCursor;
  }
}

function requireText(value: string, field: string, hint: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new DomainError('invalid-request', `${field}: ${hint}`, field);
  return value;
}

function resolveTarget(releases: readonly AnalysisRecord[], request: RollbackRequest): { record: AnalysisRecord; adapter: string } {
  const { service, environment, toVersion } = request;
  if (!releases.some((record) => record.target.version === toVersion)) {
    const versions = [...new Set(releases.map((record) => record.target.version))];
    const known = versions.length === 0 ? 'none' : versions.slice(0, LISTED_VERSIONS).join(', ') + (versions.length > LISTED_VERSIONS ? ', …' : '');
    throw new DomainError('not-found', `version ${toVersion} was never released for ${service} in ${environment} (released: ${known})`, 'toVersion');
  }
  for (const record of releases) {
    if (record.mode === 'drive' && record.adapter !== null) return { record, adapter: record.adapter };
  }
  throw new DomainError(
    'no-drive-analysis',
    `no analysis of ${service} in ${environment} runs in drive mode: there is no deployment adapter to roll back with`,
    'service',
  );
}

/** Appends the refusal's policy decision without changing the analysis; a concurrent change wins (logged). */
async function recordRefusal(context: RollbackDeps, record: AnalysisRecord, events: EventInput[]): Promise<void> {
  try {
    await context.store.commitTransition({ ...record, updatedAt: events[0]?.at ?? record.updatedAt, version: record.version + 1 }, events, []);
  } catch (error) {
    if (!(error instanceof DomainError && error.code === 'conflict')) throw error;
    analysisLogger(context, record).warn({ events }, 'a refused rollback could not be recorded: the analysis changed meanwhile');
  }
}

export interface StartedRollback {
  rollback: RollbackRecord;
  analysisId: string;
}

export async function rollbackRelease(context: RollbackDeps, request: RollbackRequest, principal: Principal | null): Promise<StartedRollback> {
  const service = requireText(request.service, 'service', 'name the service to roll back');
  const environment = requireText(request.environment, 'environment', 'name the environment to roll back in');
  requireText(request.toVersion, 'toVersion', 'name the version to roll back to');
  const reason = requireText(request.reason, 'reason', 'say why (it is recorded in the trail and sent to the deployer)');
  assertEnvironment(principal, environment);
  const actor = principal?.name ?? 'anonymous';
  const { control } = context;
  const decision = decidePolicy(control.policies, { environment, service, action: 'rollback' }, control.policySetHash);

  for (let attempt = 1; ; attempt += 1) {
    const { record, adapter } = resolveTarget(await releasesOf(context, service, environment), request);
    const at = isoAt(context.clock.now());
    const id = randomUUID();
    const fromVersion = record.target.version;
    const evidenceHash = sha256Hex(canonicalJson({ rollbackId: id, service, environment, fromVersion, toVersion: request.toVersion, reason, actor, at }));
    const policyEvents: EventInput[] = control.enforced ? [policyDecisionEvent(decision, at, evidenceHash, actor)] : [];
    if (decision.decision !== 'ALLOW') {
      // The refusal is part of the trail: who asked, under which policy.
      if (policyEvents.length > 0) await recordRefusal(context, record, policyEvents);
      const why =
        decision.decision === 'DENY'
          ? decision.reason
          : `${decision.reason}; a release rollback cannot wait for an approval: abort the analysis or change the policy`;
      throw new DomainError('policy-denied', why, 'toVersion');
    }
    const key = idempotencyKey(record.id, record.state.stepIndex, 'rollback', evidenceHash);
    const stored: StoredRollback = {
      id,
      service,
      environment,
      fromVersion,
      toVersion: request.toVersion,
      reason,
      actor,
      at,
      analysisId: record.id,
      adapter,
      idempotencyKey: key,
    };
    const call: AdapterRequest = {
      analysisId: record.id,
      action: 'rollback',
      weight: 0,
      step: record.state.stepIndex,
      target: record.target,
      rule: { ...MANUAL_RULE },
      evidenceHash,
      idempotencyKey: key,
      at,
      toVersion: request.toVersion,
      actor,
      reason,
    };
    const event: EventInput = {
      type: 'release-rollback',
      at,
      payload: { rollbackId: id, service, environment, fromVersion, toVersion: request.toVersion, reason, actor, adapter, idempotencyKey: key, evidenceHash },
    };
    const next: AnalysisRecord = { ...record, rollbacks: [...(record.rollbacks ?? []), stored], updatedAt: at, version: record.version + 1 };
    try {
      await context.store.commitTransition(next, [...policyEvents, event], [{ adapter, idempotencyKey: key, request: call }]);
    } catch (error) {
      if (error instanceof DomainError && error.code === 'conflict' && attempt < COMMIT_ATTEMPTS) continue;
      throw error;
    }
    const log = analysisLogger(context, record);
    log.warn(
      { rollbackId: id, fromVersion, toVersion: request.toVersion, actor, reason, adapter, idempotencyKey: key },
      `release rollback of ${service} in ${environment} to ${request.toVersion}`,
    );
    // After the answer, in the analysis' lane: a slow deployer never holds up the API.
    void context.lanes
      .run(record.id, () => performRecordedCalls(context, record.id, [key]))
      .catch((error: unknown) => log.error({ error: errorMessage(error) }, 'rollback call failed to run'));
    const { idempotencyKey: _key, ...shown } = stored;
    return { rollback: { ...shown, status: 'pending' }, analysisId: record.id };
  }
}
