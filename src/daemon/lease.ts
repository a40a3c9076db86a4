// Active-active replicas on one store: which analyses this replica acts for. Every few seconds one
// heartbeat (LeaseStore.heartbeat) renews this replica's leases and claims its fair share of the
// free or expired ones. For an analysis it holds, this replica ticks and makes the adapter calls;
// every write it makes for it carries the lease's fencing token, which the store checks in the write's
// transaction, so a replica that lost a lease without knowing (paused, partitioned) cannot write a
// stale decision. Everything else — reads, the verdict API, creating, manual actions — works on
// any replica: those are request-driven writes, protected by the analysis' version as before.
//
// Taking over: a lease of a dead replica expires ttl after its last renewal; the next heartbeat of
// another replica claims it, makes the calls its holder recorded but did not finish (same
// idempotency keys), and ticks it from the next slot. So takeover takes at most ttl + renew interval.
// Losing the store: a replica that cannot renew stops acting once its leases could have expired.

import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Fence, LeaseHeartbeat, LeaseStore } from '../store/types.js';
import { scheduleApprovalExpiry } from './approvals.js';
import { performCalls, performRecordedCalls } from './calls.js';
import { errorMessage, tickKey, type DaemonContext, type LeaseHolder } from './context.js';
import { templateOf } from './control-context.js';
import { isTerminal } from './gate-state.js';
import { scheduleTicks, tickAnalysis } from './runner.js';
import type { TickRun } from './scheduler.js';
import { missedSlot } from './lease-slots.js';
import { publishState } from './transitions.js';

/** A lease lives 10 s after its last renewal; renewed every 3 s, so two renewals may fail before it is lost. */
export const LEASE_TTL_MS = 10_000;
export const LEASE_RENEW_MS = 3_000;
export const LEASE_JOB_KEY = 'leases';

export interface LeaseOptions {
  /** This replica's name in the store (default: host/pid/random). */
  owner?: string;
  ttlMs?: number;
  renewMs?: number;
}

export interface LeaseKeeper extends LeaseHolder {
  readonly owner: string;
  /** The first heartbeat, then one every renew interval. */
  start(): Promise<void>;
  /** One heartbeat now. */
  heartbeat(): Promise<void>;
  /** Ids of the analyses held, for tests and logs. */
  held(): string[];
  /** Gives every lease back (clean shutdown): the other replicas take over at their next heartbeat. */
  release(): Promise<void>;
}

export function defaultReplicaName(): string {
  return `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
}

export function createLeaseKeeper(context: DaemonContext, leases: LeaseStore, options: LeaseOptions = {}): LeaseKeeper {
  const owner = options.owner ?? defaultReplicaName();
  const ttlMs = options.ttlMs ?? LEASE_TTL_MS;
  const renewMs = options.renewMs ?? LEASE_RENEW_MS;
  const tokens = new Map<string, number>();
  const sweeping = new Set<string>();
  const handingBack = new Set<string>();
  let validUntil = 0;
  const log = context.logger.child({ replica: owner });

  function drop(analysisId: string, why: string): void {
    if (!tokens.delete(analysisId)) return;
    context.scheduler.cancel(tickKey(analysisId));
    log.info({ analysisId }, `lease given up: ${why}`);
  }

  /**
   * Newly held: first the calls its previous holder recorded and did not finish (also those of an
   * analysis that has just ended: its complete or rollback), then its ticks.
   */
  async function takeOver(analysisId: string): Promise<void> {
    const record = await context.store.getAnalysis(analysisId);
    if (record === null || !holder.holds(analysisId)) return;
    const pending = (await context.store.callsFor(analysisId)).filter((call) => call.status === 'pending');
    if (pending.length > 0)
      log.info({ analysisId, calls: pending.map((call) => call.idempotencyKey) }, 'making the adapter calls recorded before the takeover');
    await performCalls(context, pending);
    if (isTerminal(record.state.phase)) return;
    const template = templateOf(context.templates, record);
    if (template === undefined) {
      log.error({ analysisId, template: record.template }, 'cannot act for a leased analysis: its template is not loaded');
      return;
    }
    publishState(context, record, template);
    scheduleTicks(context, record, template);
    // The slot its dead holder did not serve is judged now (late, and its lag says so), not skipped.
    const slot = missedSlot(record.state, template, context.clock.now());
    if (slot !== null) await tickAnalysis(context, analysisId, { scheduledAt: slot, skipped: 0 });
    for (const approval of record.approvals ?? []) {
      if (approval.state === 'pending') scheduleApprovalExpiry(context, analysisId, approval);
    }
  }

  function inLane(analysisId: string, task: () => Promise<void>): void {
    void context.lanes.run(analysisId, task).catch((error: unknown) => log.error({ analysisId, error: errorMessage(error) }, 'leased analysis: work failed'));
  }

  /** Calls recorded by another replica (a create or a manual action there) for analyses held here. */
  async function sweepPendingCalls(): Promise<void> {
    const byAnalysis = new Map<string, string[]>();
    for (const call of await context.store.pendingCalls()) {
      if (!tokens.has(call.analysisId) || sweeping.has(call.analysisId)) continue;
      byAnalysis.set(call.analysisId, [...(byAnalysis.get(call.analysisId) ?? []), call.idempotencyKey]);
    }
    for (const [analysisId, keys] of byAnalysis) {
      sweeping.add(analysisId);
      inLane(analysisId, () => performRecordedCalls(context, analysisId, keys).finally(() => sweeping.delete(analysisId)));
    }
  }

  /**
   * Above its share (another replica joined): the most recently acquired go back, each once its
   * lane is free (no tick or call of it in flight), and the newcomer claims them at its next heartbeat.
   * A tenth of the share per heartbeat at most, and none by a replica whose heartbeat was late: an
   * overloaded replica misses renewals, so the live count flaps, and moving analyses back and forth
   * with it only adds takeovers (seen at 10 000 analyses over 2 replicas on 2 cores).
   */
  function handBackExcess(share: number, heartbeatMs: number): void {
    if (heartbeatMs > renewMs) return;
    const excess = Math.min(tokens.size - handingBack.size - share, Math.max(1, Math.ceil(share / 10)));
    if (excess <= 0) return;
    const chosen = [...tokens].filter(([id]) => !handingBack.has(id) && !sweeping.has(id)).slice(-excess);
    log.info({ handingBack: chosen.length, held: tokens.size, share }, 'handing leases back to balance the replicas');
    for (const [id, token] of chosen) {
      handingBack.add(id);
      inLane(id, async () => {
        try {
          if (tokens.get(id) !== token) return;
          await leases.handBack(owner, [{ analysisId: id, token }]);
          drop(id, 'handed back to balance the replicas');
        } finally {
          handingBack.delete(id);
        }
      });
    }
  }

  /** `run`: the scheduler's slot, when the renewal job runs it (how late it started counts as the heartbeat's time). */
  async function heartbeat(run?: TickRun): Promise<void> {
    const startedAt = context.clock.now();
    const dueAt = run?.scheduledAt ?? startedAt;
    let beat: LeaseHeartbeat;
    try {
      beat = await leases.heartbeat(owner, startedAt, ttlMs);
    } catch (error) {
      log.warn({ error: errorMessage(error), held: tokens.size }, 'cannot renew the leases');
      if (context.clock.now() >= validUntil) for (const id of [...tokens.keys()]) drop(id, 'not renewed in time (store unavailable)');
      return;
    }
    validUntil = startedAt + ttlMs;
    const current = new Map(beat.grants.map((grant) => [grant.analysisId, grant.token]));
    for (const [id, token] of tokens) if (current.get(id) !== token) drop(id, 'taken over or ended');
    const acquired: string[] = [];
    for (const [id, token] of current) {
      if (tokens.get(id) === token) continue;
      tokens.set(id, token);
      acquired.push(id);
      inLane(id, () => takeOver(id));
    }
    if (acquired.length > 0) log.info({ acquired: acquired.length, held: tokens.size }, 'leases acquired');
    handBackExcess(beat.share, context.clock.now() - dueAt);
    await sweepPendingCalls().catch((error: unknown) => log.warn({ error: errorMessage(error) }, 'cannot read pending adapter calls'));
  }

  const holder: LeaseKeeper = {
    owner,
    holds: (analysisId) => tokens.has(analysisId) && context.clock.now() < validUntil,
    fence: (analysisId): Fence | undefined => {
      const token = tokens.get(analysisId);
      return token === undefined ? undefined : { owner, token };
    },
    lost: (analysisId) => drop(analysisId, 'the store refused a write: another replica holds it now'),
    async start() {
      await heartbeat();
      context.scheduler.every(LEASE_JOB_KEY, renewMs, context.clock.now() + renewMs, heartbeat);
    },
    heartbeat,
    held: () => [...tokens.keys()],
    async release() {
      context.scheduler.cancel(LEASE_JOB_KEY);
      for (const id of [...tokens.keys()]) drop(id, 'shutting down');
      await leases.release(owner).catch((error: unknown) => log.warn({ error: errorMessage(error) }, 'cannot release the leases; they expire on their own'));
    },
  };
  return holder;
}
