// When a commit must be on disk before it returns (synchronous=FULL) and when a routine tick may
// skip the fsync (synchronous=NORMAL).
//
// A commit that records something the world acts on — an adapter call
// (recorded before it is made), a decision, a manual action, a new analysis, a call marked done, a
// freeze — runs with synchronous=FULL: the WAL is fsynced before the commit returns, so it is on
// disk before the adapter is called. A routine tick (only `tick` events, no calls) runs with
// synchronous=NORMAL: it survives a killed process (SIGKILL: committed pages are in the WAL file,
// which the OS keeps) but not a power loss or kernel crash, which can drop the last routine ticks.
// Those only recorded a verdict nothing outside acted on; after the restart the analysis is judged
// again at its next tick, and the next FULL commit makes every earlier one durable with it. This
// takes the fsync (≈ 0.2–10 ms, on the event loop: better-sqlite3 is synchronous) off every tick.

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
