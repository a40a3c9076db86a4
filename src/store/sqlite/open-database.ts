// Opening the SQLite file: WAL, FULL by default, busy timeout, foreign keys, migrations.

import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type BetterSqlite3 from 'better-sqlite3';
import { DomainError } from '../../analysis/errors.js';
import { migrate } from './schema.js';

const BUSY_TIMEOUT_MS = 5_000;

/** Runs store operations on `db`: refused once closed; errors of SQLite itself become 'store-unavailable' naming the file. */
export function storeOperations(db: BetterSqlite3.Database, path: string): <T>(operation: () => T) => T {
  return (operation) => {
    if (!db.open) throw new DomainError('store-unavailable', `SQLite store at ${path} is closed`);
    try {
      return operation();
    } catch (error) {
      if (error instanceof Database.SqliteError) {
        throw new DomainError('store-unavailable', `SQLite store at ${path}: ${error.message}`, undefined, { cause: error });
      }
      throw error;
    }
  };
}

export function openDatabase(path: string): BetterSqlite3.Database {
  let db: BetterSqlite3.Database | undefined;
  try {
    if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
    db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('foreign_keys = ON');
    migrate(db, path);
    return db;
  } catch (error) {
    db?.close();
    if (error instanceof DomainError) throw error;
    throw new DomainError('store-unavailable', `cannot open SQLite store at ${path}: ${messageOf(error)}`, undefined, {
      cause: error,
    });
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
