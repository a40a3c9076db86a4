// WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside the commit that
// crosses 1000 WAL pages: at 10 000 analyses that was every ~500th tick, each time copying ~4 MB
// into the database file and fsyncing it on the daemon's one thread (a 20 ms stall, half of all
// commit time). Here the writing connection's autocheckpoint is off and a worker thread with its
// own connection runs PASSIVE checkpoints (they never block a writer or a reader) every interval.
// Durability is unchanged: a checkpoint syncs the WAL before and the database after, whichever
// connection runs it. If the worker cannot run, the automatic checkpoint is switched back on.

import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type BetterSqlite3 from 'better-sqlite3';

export const CHECKPOINT_EVERY_MS = 1_000;
const STOP_GRACE_MS = 2_000;
const SQLITE_DEFAULT_AUTOCHECKPOINT_PAGES = 1_000;

// CommonJS, evaluated in the worker: it only needs better-sqlite3, resolved by the parent.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { timeout: 5000, fileMustExist: true });
const timer = setInterval(() => {
  const [result] = db.pragma('wal_checkpoint(PASSIVE)');
  parentPort.postMessage({ type: 'checkpoint', result });
}, workerData.everyMs);
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}

export interface BackgroundCheckpointer {
  /** Stops the worker (its connection closed) before the writing connection closes. */
  stop(): Promise<void>;
}

export function startBackgroundCheckpointer(
  db: BetterSqlite3.Database,
  path: string,
  options: { everyMs?: number; onCheckpoint?: (result: CheckpointResult) => void } = {},
): BackgroundCheckpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, path, everyMs: options.everyMs ?? CHECKPOINT_EVERY_MS } });
  worker.unref();
  let running = true;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const fallBack = (): void => {
    if (!running) return;
    running = false;
    if (db.open) db.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_AUTOCHECKPOINT_PAGES}`);
  };
  db.pragma('wal_autocheckpoint = 0');
  worker.on('message', (message: { type: string; result: CheckpointResult }) => {
    if (message.type === 'checkpoint') options.onCheckpoint?.(message.result);
  });
  worker.on('error', fallBack);
  worker.once('exit', fallBack);
  return {
    async stop() {
      if (!running) return;
      running = false;
      worker.postMessage('stop');
      const grace = setTimeout(() => void worker.terminate(), STOP_GRACE_MS);
      await exited;
      clearTimeout(grace);
    },
  };
}
