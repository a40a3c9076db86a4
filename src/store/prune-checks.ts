// Checks every Store backend applies to the arguments of pruneEnded.

import { DomainError } from '../analysis/errors.js';
import type { PruneOptions } from './types.js';

/**
 * The cutoff as the Store writes its timestamps (Date#toISOString), so that backends comparing the
 * stored text (SQLite) and backends comparing instants (memory) agree.
 */
export function pruneCutoff(olderThan: string): string {
  const ms = Date.parse(olderThan);
  if (Number.isNaN(ms)) {
    throw new DomainError('invalid-argument', `pruneEnded needs an ISO 8601 instant, got ${JSON.stringify(olderThan)}`);
  }
  return new Date(ms).toISOString();
}

/** The batch size, or undefined for "no limit". */
export function pruneLimit(options: PruneOptions | undefined): number | undefined {
  const limit = options?.limit;
  if (limit === undefined) return undefined;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new DomainError('invalid-argument', `pruneEnded's limit must be a positive integer, got ${limit}`);
  }
  return limit;
}
