// The SQLite store plug-in: `store.type: sqlite` (the default), one file, WAL, hash-chained events.

import { z } from 'zod';
import { nonEmpty } from '../../config/fields.js';
import { retention, type StorePlugin } from '../plugin.js';
import { DEFAULT_COMMIT_GROUP } from './commit-group.js';
import { acquireSqliteDaemonLock } from './daemon-lock.js';
import { openSqliteStore } from './sqlite-store.js';

const configSchema = z.strictObject({ type: z.literal('sqlite'), path: nonEmpty, retention });

export interface SqliteStoreConfig {
  type: 'sqlite';
  /** Absolute path of the database file. */
  path: string;
}

export const sqliteStorePlugin: StorePlugin<z.output<typeof configSchema>, SqliteStoreConfig> = {
  type: 'sqlite',
  configSchema,
  secretFields: [],
  resolve: (raw, { absolute }) => ({ type: 'sqlite', path: absolute(raw.path) }),
  create: (config, deps) => openSqliteStore(config.path, { now: deps.now, backgroundCheckpoint: true, commitGroup: DEFAULT_COMMIT_GROUP }),
  lockForDaemon: (config) => acquireSqliteDaemonLock(config.path),
};
