// When a commit must be on disk before it returns (synchronous=FULL) and when a routine tick may
// skip the fsync (synchronous=NORMAL); the reasons are at the top of sqlite-store.ts.

import type BetterSqlite3 from 'better-sqlite3';
import type { AdapterCallInput, EventInput } from '../types.js';

/** Only `tick` events, no calls recorded or re-armed: a verdict nothing outside acts on. */
export function isRoutineCommit(events: readonly EventInput[], calls: readonly AdapterCallInput[], retryCalls: readonly number[]): boolean {
  return calls.length === 0 && retryCalls.length === 0 && events.every((event) => event.type === 'tick');
}

/** Sets the connection's synchronous mode before a commit, only when it changes. */
export function synchronousSwitch(db: BetterSqlite3.Database): (durable: boolean) => void {
  let current: 'FULL' | 'NORMAL' = 'FULL';
  return (durable) => {
    const wanted = durable ? 'FULL' : 'NORMAL';
    if (wanted === current) return;
    db.pragma(`synchronous = ${wanted}`);
    current = wanted;
  };
}
