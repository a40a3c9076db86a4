// Argument checks of Store.listReleases shared by every backend, so they refuse alike.

import { DomainError } from '../analysis/errors.js';
import { MAX_RELEASE_PAGE, type AnalysisRecord, type ReleasePage, type ReleaseQuery } from './types.js';

export function releaseLimit(query: ReleaseQuery): number {
  const { limit } = query;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_RELEASE_PAGE) {
    throw new DomainError('invalid-argument', `listReleases: limit must be a whole number from 1 to ${MAX_RELEASE_PAGE}, got ${String(limit)}`);
  }
  return limit;
}

export function unknownCursor(query: ReleaseQuery): DomainError {
  return new DomainError(
    'invalid-request',
    `before: ${String(query.before)} is not an analysis of ${query.service} in ${query.environment} (use the nextCursor of a previous page)`,
    'before',
  );
}

export function isOfTarget(record: AnalysisRecord, query: ReleaseQuery): boolean {
  return record.target.service === query.service && record.target.environment === query.environment;
}

/** One page from `newestFirst`, which holds up to limit + 1 records (the extra one says there are more). */
export function releasePage(newestFirst: AnalysisRecord[], limit: number): ReleasePage {
  const records = newestFirst.slice(0, limit);
  const last = records[records.length - 1];
  return { records, nextCursor: newestFirst.length > limit && last !== undefined ? last.id : null };
}
