// Making the adapter calls a committed transition recorded: call, then mark done. A call is made
// only when the store has it as pending, so a decision's call is never made twice by this process;
// after a crash between the call and its mark, recovery re-makes it with the same idempotency key.

import { DomainError } from '../analysis/errors.js';
import { isReleaseRollback, type AdapterResult } from '../adapters/types.js';
import type { AdapterCallRecord, CallOutcome } from '../store/types.js';
import { adapterFailureTransition } from './adapter-failure.js';
import { actsFor, analysisLogger, errorCode, errorMessage, type DaemonContext } from './context.js';
import { adapterFailedEvent, type FailedCall } from './events.js';
import { templateOf } from './control-context.js';
import { commitTransition } from './transitions.js';

/** What this module takes from the DaemonContext. */
export type CallDeps = Pick<DaemonContext, 'store' | 'templates' | 'adapters' | 'metrics' | 'logger' | 'clock' | 'scheduler' | 'phases' | 'ended' | 'leases'>;

const FAILURE_COMMIT_ATTEMPTS = 5;

/**
 * Performs the still-pending calls with these idempotency keys, in the given order. Once `signal`
 * aborts (the daemon stops), no further call starts and a call cut short stays pending: recovery
 * makes it again with the same key.
 */
export async function performRecordedCalls(context: CallDeps, analysisId: string, keys: readonly string[], signal?: AbortSignal): Promise<void> {
  if (keys.length === 0) return;
  const pending = new Map((await context.store.callsFor(analysisId)).filter((call) => call.status === 'pending').map((call) => [call.idempotencyKey, call]));
  const calls = keys.map((key) => pending.get(key)).filter((call): call is AdapterCallRecord => call !== undefined);
  await performCalls(context, calls, signal);
}

/**
 * Calls of one analysis, in order. When one fails after its retries, the later ones are marked
 * failed without being attempted and the analysis is stopped by the rule `adapter-failed`.
 */
export async function performCalls(context: CallDeps, calls: readonly AdapterCallRecord[], signal?: AbortSignal): Promise<void> {
  for (const [index, call] of calls.entries()) {
    // With replicas, the lease holder makes the calls; they stay pending for it.
    if (!actsFor(context, call.analysisId)) return;
    if (signal?.aborted) return;
    const result = await callAdapter(context, call, signal);
    if (!result.ok && signal?.aborted) return;
    await markCall(context, call, result.ok ? { ok: true, attempts: result.attempts } : result);
    if (result.ok) continue;
    const skipped = `not attempted: the earlier ${call.request.action} call (${call.idempotencyKey}) failed`;
    for (const later of calls.slice(index + 1)) await markCall(context, later, { ok: false, attempts: 0, error: skipped });
    // A release rollback is no decision of the analysis: its failure shows in the rollback's status, the analysis stays as it is.
    if (isReleaseRollback(call.request)) return;
    await stopForAdapterFailure(context, call.analysisId, {
      adapter: call.adapter,
      request: call.request,
      attempts: result.attempts,
      error: result.error,
    });
    return;
  }
}

/** A complete must follow a set-weight that succeeded: never report full traffic the deployer did not set. */
async function unsettledWeight(context: CallDeps, call: AdapterCallRecord): Promise<string | null> {
  if (call.request.action !== 'complete') return null;
  const weights = (await context.store.callsFor(call.analysisId)).filter((other) => other.request.action === 'set-weight' && other.id < call.id);
  const last = weights[weights.length - 1];
  if (last === undefined || last.status === 'done') return null;
  return `not attempted: the last set-weight (${last.idempotencyKey}) has not succeeded (${last.status})`;
}

async function callAdapter(context: CallDeps, call: AdapterCallRecord, signal?: AbortSignal): Promise<AdapterResult> {
  const adapter = context.adapters.get(call.adapter);
  const { action } = call.request;
  let result: AdapterResult;
  const unsettled = await unsettledWeight(context, call);
  if (unsettled !== null) {
    result = { ok: false, attempts: 0, error: unsettled };
  } else if (adapter === undefined) {
    const known = [...context.adapters.keys()].join(', ') || 'none';
    result = { ok: false, attempts: 0, error: `adapter "${call.adapter}" is not configured (configured: ${known})` };
  } else {
    try {
      result = await adapter.call(call.request, signal === undefined ? undefined : { signal });
    } catch (error) {
      // Adapters answer failures as data; a throw is a bug, still never a silent success.
      result = { ok: false, attempts: 1, error: errorMessage(error) };
    }
  }
  for (let retry = 1; retry < result.attempts; retry += 1) context.metrics.recordAdapterCall(call.adapter, action, 'retry');
  context.metrics.recordAdapterCall(call.adapter, action, result.ok ? 'success' : 'failure');
  const log = context.logger.child({ analysisId: call.analysisId });
  const fields = { adapter: call.adapter, action, step: call.request.step, weight: call.request.weight, idempotencyKey: call.idempotencyKey };
  if (result.ok) log.info({ ...fields, attempts: result.attempts }, `adapter call ${action} done`);
  else log.error({ ...fields, attempts: result.attempts, error: result.error }, `adapter call ${action} failed`);
  return result;
}

async function markCall(context: CallDeps, call: AdapterCallRecord, outcome: CallOutcome): Promise<void> {
  const fence = context.leases?.fence(call.analysisId);
  try {
    await context.store.markCallDone(call.id, outcome, fence === undefined ? undefined : { fence });
  } catch (error) {
    if (errorCode(error) === 'lease-lost') {
      // Made but not marked: the new holder makes it again with the same idempotency key.
      context.logger.warn(
        { analysisId: call.analysisId, callId: call.id, error: errorMessage(error) },
        'adapter call made, but another replica holds the analysis now',
      );
      context.leases?.lost(call.analysisId);
      return;
    }
    if (errorCode(error) !== 'conflict') throw error;
    context.logger.warn({ analysisId: call.analysisId, callId: call.id, error: errorMessage(error) }, 'adapter call was already marked');
  }
}

/** Records the failure as a transition by the rule `adapter-failed`, re-reading on a concurrent change. */
export async function stopForAdapterFailure(context: CallDeps, analysisId: string, failed: FailedCall): Promise<void> {
  for (let attempt = 0; attempt < FAILURE_COMMIT_ATTEMPTS; attempt += 1) {
    const record = await context.store.getAnalysis(analysisId);
    if (record === null) return;
    const template = templateOf(context.templates, record);
    if (template === undefined) {
      context.logger.error({ analysisId, template: record.template }, 'cannot record an adapter failure: template not loaded');
      return;
    }
    const { state, verdict } = adapterFailureTransition(template, record.state, failed, context.clock.now());
    try {
      await commitTransition(context, {
        before: record,
        template,
        state,
        verdict,
        actions: [],
        events: [adapterFailedEvent(failed, verdict.at)],
      });
      return;
    } catch (error) {
      if (!(error instanceof DomainError && error.code === 'conflict')) throw error;
      analysisLogger(context, record).debug({ attempt }, 'analysis changed while recording an adapter failure; retrying');
    }
  }
  context.logger.error({ analysisId, failed }, 'could not record an adapter failure: the analysis kept changing');
}
