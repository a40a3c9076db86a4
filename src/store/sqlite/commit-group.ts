// Routine ticks committed together. Each SQLite transaction writes every page it touched to the
// WAL (the analysis row's pages, the events table's last leaf and its index pages) and pays
// BEGIN/COMMIT; ticks come due in bursts, so the routine commits (ADR 0006: tick events only, no
// fsync) that arrive within a few milliseconds share one transaction and write each shared page
// once. A commit's promise settles only after its batch is written, so its caller still sees its
// own write when it resumes; a stale version fails only its own commit; a batch that fails as a
// whole (a constraint, a closed file) is retried commit by commit, so one cannot fail the others.
// A commit that finds the store quiet (nothing written for maxDelayMs) is written at once: grouping
// adds no latency unless ticks come in bursts.

import type BetterSqlite3 from 'better-sqlite3';
import type { AnalysisRecord, EventInput } from '../types.js';

export interface CommitGroupOptions {
  /** Commits written together at most. */
  maxBatch: number;
  /** How long the first queued commit waits for others; also how long the store must be quiet for a commit to go straight through. */
  maxDelayMs: number;
  /** Monotonic milliseconds (tests). */
  now?: () => number;
}

export const DEFAULT_COMMIT_GROUP: CommitGroupOptions = { maxBatch: 64, maxDelayMs: 4 };

/** undefined: written; otherwise why this one commit was refused (nothing of it written). */
export type CommitOutcome = Error | undefined;

interface Queued<T> {
  item: T;
  resolve: () => void;
  reject: (error: Error) => void;
}

export class CommitGroup<T> {
  private queue: Queued<T>[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastWriteAt = Number.NEGATIVE_INFINITY;
  private readonly now: () => number;

  constructor(
    /** One transaction for all; throws (and writes nothing) when it fails as a whole. */
    private readonly writeTogether: (items: readonly T[]) => CommitOutcome[],
    /** One transaction for one; throws when refused. */
    private readonly writeAlone: (item: T) => void,
    private readonly options: CommitGroupOptions = DEFAULT_COMMIT_GROUP,
  ) {
    this.now = options.now ?? (() => performance.now());
  }

  add(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      const quiet = this.queue.length === 1 && this.now() - this.lastWriteAt >= this.options.maxDelayMs;
      if (quiet || this.queue.length >= this.options.maxBatch) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.options.maxDelayMs);
    });
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Writes what is queued, now: before any other write, so commits land in the order they were asked for. */
  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    this.lastWriteAt = this.now();
    const outcomes = this.write(batch.map((queued) => queued.item));
    for (const [index, queued] of batch.entries()) {
      const outcome = outcomes[index];
      if (outcome === undefined) queued.resolve();
      else queued.reject(outcome);
    }
  }

  private write(items: readonly T[]): CommitOutcome[] {
    try {
      return this.writeTogether(items);
    } catch {
      return items.map((item) => {
        try {
          this.writeAlone(item);
          return undefined;
        } catch (error) {
          return error instanceof Error ? error : new Error(String(error));
        }
      });
    }
  }
}

export interface RoutineCommit {
  record: AnalysisRecord;
  events: EventInput[];
}

export interface RoutineWrites {
  /** One commit inside the batch's transaction: refused → why, with nothing of it written. */
  writeInTransaction(commit: RoutineCommit): CommitOutcome;
  /** One commit in a transaction of its own; throws when refused. */
  writeAlone(commit: RoutineCommit): void;
  /** Runs a write as the store runs every write of a routine tick (synchronous=NORMAL, SQLite errors → store-unavailable). */
  run<R>(write: () => R): R;
}

export function routineCommitGroup(db: BetterSqlite3.Database, writes: RoutineWrites, options: CommitGroupOptions): CommitGroup<RoutineCommit> {
  const together = db.transaction((items: readonly RoutineCommit[]) => items.map((item) => writes.writeInTransaction(item)));
  return new CommitGroup<RoutineCommit>(
    (items) => writes.run(() => together.immediate(items)),
    (item) => writes.run(() => writes.writeAlone(item)),
    options,
  );
}
