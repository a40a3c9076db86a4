// One daemon per SQLite file. Two `canaryd serve` processes on one file would both tick every
// analysis and call the deployer twice (SQLite has no leases); so `serve` holds an exclusive lock on
// a companion file, <db>.daemon-lock, for as long as it runs. The lock is SQLite's own (an EXCLUSIVE
// transaction that stays open), i.e. a POSIX advisory lock the kernel drops when the process ends,
// however it ends (kill -9 included): a lock is never left stale. Only `serve` takes it; other
// readers of the database (tests, tools) open it as before.

import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { DomainError } from '../../analysis/errors.js';
import type { StoreLock } from '../plugin.js';

export function lockPathOf(path: string): string {
  return `${resolve(path)}.daemon-lock`;
}

export function acquireSqliteDaemonLock(path: string): StoreLock {
  if (path === ':memory:') return { release: () => undefined };
  const lockPath = lockPathOf(path);
  let db: Database.Database | undefined;
  try {
    mkdirSync(dirname(lockPath), { recursive: true });
    db = new Database(lockPath, { timeout: 0 });
    db.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    db?.close();
    const busy = error instanceof Database.SqliteError && error.code.startsWith('SQLITE_BUSY');
    if (!busy) {
      throw new DomainError('store-unavailable', `cannot lock the SQLite store ${path} (${lockPath}): ${(error as Error).message}`);
    }
    throw new DomainError(
      'store-unavailable',
      `another canaryd daemon is already running on the SQLite store ${path} (it holds ${lockPath}); ` +
        'SQLite allows one daemon per file. To run several replicas, share a PostgreSQL store instead ' +
        '(store: {type: postgres, urlFile: ...}, see docs/replicas.md)',
    );
  }
  const held = db;
  return {
    release: () => {
      if (held.open) held.close();
    },
  };
}
