// The analysis rows this connection last read or wrote, so that a tick does not read back from the
// file the row its previous tick wrote a minute ago (the select of a 6 KB row, overflow pages and
// text copies, cost ≈ 75 µs of the event loop per tick at 10 000 analyses). A cached row holds the
// exact column texts SQLite stores, so a read from the cache parses to the same record as a read
// from the file. Rows written inside a transaction are staged and enter the cache only when it
// commits; a transaction that throws leaves the cache as it was. Any commit by another connection
// to the same file (another process, a CLI command) empties the cache: SQLite's data_version says so.
// Rows of ended analyses are not kept (nothing ticks them again; ≈ 9 KB each would pile up until
// retention), and at most `maxRows` are: the one written or loaded longest ago goes first.

import type BetterSqlite3 from 'better-sqlite3';
import { ENDED_PHASES, type Phase } from '../../analysis/types.js';
import type { AnalysisRow } from './rows.js';

/** Well above the analyses one daemon ticks (10 000 measured), so that every running one stays. */
export const DEFAULT_MAX_CACHED_ROWS = 50_000;

export interface AnalysisRowCache {
  /** The row of `id`: from the cache, or `load`ed (and kept) when it is not there or the file changed. */
  read(id: string, load: () => AnalysisRow | undefined): AnalysisRow | undefined;
  /** `row` is being written by the current transaction. */
  stage(row: AnalysisRow): void;
  /** Runs a write: its staged rows are kept if it returns, dropped if it throws. */
  writing<T>(operation: () => T): T;
  forget(id: string): void;
}

export function analysisRowCache(db: BetterSqlite3.Database, maxRows = DEFAULT_MAX_CACHED_ROWS): AnalysisRowCache {
  // Insertion order is age: keep() re-inserts, so the first key is the row written or loaded longest ago.
  const rows = new Map<string, AnalysisRow>();
  const staged = new Map<string, AnalysisRow>();
  const dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
  let seenVersion: number | undefined;

  function keep(row: AnalysisRow): void {
    rows.delete(row.id);
    if (ENDED_PHASES.includes(row.phase as Phase)) return;
    rows.set(row.id, row);
    if (rows.size > maxRows) {
      const oldest = rows.keys().next();
      if (oldest.done !== true) rows.delete(oldest.value);
    }
  }

  /** Empties the cache when another connection committed since the last look. */
  function dropIfChangedElsewhere(): void {
    const current = dataVersion.get();
    if (current !== seenVersion) rows.clear();
    seenVersion = current;
  }

  return {
    read(id, load) {
      dropIfChangedElsewhere();
      const cached = rows.get(id);
      if (cached !== undefined) return cached;
      const row = load();
      if (row !== undefined) keep(row);
      return row;
    },
    stage(row) {
      staged.set(row.id, row);
    },
    writing(operation) {
      staged.clear();
      // A write of ours does not change data_version; looking first keeps another connection's
      // earlier commit from hiding behind it.
      dropIfChangedElsewhere();
      try {
        const result = operation();
        for (const row of staged.values()) keep(row);
        return result;
      } finally {
        staged.clear();
      }
    },
    forget(id) {
      rows.delete(id);
    },
  };
}
