// The PostgreSQL store plug-in: `store: {type: postgres, url | urlFile, pool}`. The URL carries the
// password, so it is a secret: given inline (url) or, better, read from a file (urlFile); either way
// the logger redacts it and the store's messages name the server without it.

import { z } from 'zod';
import { exclusiveFields } from '../../config/plugin.js';
import { formatPath } from '../../template/yaml-source.js';
import { nonEmpty } from '../../config/fields.js';
import { retention, type StorePlugin } from '../plugin.js';
import { openPostgresStore } from './postgres-store.js';

const poolSchema = z.strictObject({
  max: z.number().int().min(1).max(1000).optional(),
  connectionTimeoutMs: z.number().int().min(1).optional(),
});

const configSchema = z.strictObject({
  type: z.literal('postgres'),
  url: nonEmpty.optional(),
  urlFile: nonEmpty.optional(),
  pool: poolSchema.optional(),
  retention,
});

export interface PostgresStoreConfig {
  type: 'postgres';
  /** postgres://user:password@host:port/database — filled in from urlFile by the loader. */
  url: string;
  urlFile?: string;
  pool: { max?: number; connectionTimeoutMs?: number };
}

export const postgresStorePlugin: StorePlugin<z.output<typeof configSchema>, PostgresStoreConfig> = {
  type: 'postgres',
  configSchema,
  secretFields: [
    {
      name: 'url',
      file: ['urlFile'],
      redact: true,
      apply: (config, value) => {
        config.url = value.trim();
      },
      value: (config) => config.url,
    },
  ],
  check: (entry, path) => {
    const issues = exclusiveFields(entry, path, ['url', 'urlFile']);
    if (entry.url === undefined && entry.urlFile === undefined) {
      issues.push({
        path: [...path, 'type'],
        at: 'key',
        message: `${formatPath(path)}: a postgres store needs url (postgres://user:password@host:port/database) or, better, urlFile`,
      });
    }
    return issues;
  },
  resolve: (raw, { absolute }) => ({
    type: 'postgres',
    url: raw.url ?? '',
    ...(raw.urlFile !== undefined ? { urlFile: absolute(raw.urlFile) } : {}),
    pool: {
      ...(raw.pool?.max !== undefined ? { max: raw.pool.max } : {}),
      ...(raw.pool?.connectionTimeoutMs !== undefined ? { connectionTimeoutMs: raw.pool.connectionTimeoutMs } : {}),
    },
  }),
  create: (config, deps) => openPostgresStore(config.url, { now: deps.now, pool: config.pool }),
};
