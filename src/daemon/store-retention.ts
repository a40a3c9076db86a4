// The store's retention (config store.retention): ended analyses whose last change is older than
// the retention are deleted whole — the analysis, its events and its adapter calls — so the store
// does not grow without bound and every trail left in it still verifies.

import type { DaemonContext } from './context.js';
import { isoAt } from './clock.js';

/** What this module takes from the DaemonContext. */
export type RetentionDeps = Pick<DaemonContext, 'store' | 'metrics' | 'logger' | 'clock' | 'phases'>;

export const STORE_RETENTION_KEY = 'store-retention';
/** Hourly: an ended analysis outlives its retention by at most an hour. */
export const STORE_RETENTION_CRON = '0 * * * *';
/**
 * Analyses deleted per store transaction. better-sqlite3 blocks the event loop while it writes, so
 * a first sweep over a large backlog is cut into batches with a turn of the event loop between
 * them, letting ticks and API requests run.
 */
export const PRUNE_BATCH_SIZE = 100;

/** One sweep: deletes every ended analysis last changed more than `retentionMs` ago; returns how many. */
export async function pruneEndedAnalyses(context: RetentionDeps, retentionMs: number): Promise<number> {
  const olderThan = isoAt(context.clock.now() - retentionMs);
  let pruned = 0;
  for (;;) {
    const ids = await context.store.pruneEnded(olderThan, { limit: PRUNE_BATCH_SIZE });
    for (const id of ids) context.phases.forget(id);
    pruned += ids.length;
    if (ids.length < PRUNE_BATCH_SIZE) break;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  if (pruned > 0) context.metrics.setPhaseCounts(context.phases.counts());
  context.logger.info({ pruned, olderThan }, `pruned ${pruned} ended analyses from the store`);
  return pruned;
}
