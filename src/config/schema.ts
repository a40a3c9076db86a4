// The daemon config (architecture.md §5), strict like templates. The entries of `sources`,
// `adapters` and `store` are the registered plug-ins' schemas (src/*/registry.ts). Secrets are named
// here (a file or an environment variable) and resolved by load.ts, the one place that reads them.

import { z } from 'zod';
import type { Policy, TokenPrincipal } from '../control/types.js';
import { nonEmpty } from './fields.js';
import { authSchema, policiesSchema } from './auth-schema.js';
import { adapterRegistry, type ResolvedAdapterConfig } from '../adapters/registry.js';
import { sourceRegistry, type SourceConfig } from '../sources/registry.js';
import { storeRegistry, type ResolvedStoreConfig } from '../store/registry.js';
import { notificationsSchema } from '../notify/config-schema.js';
import type { NotificationsConfig } from '../notify/registry.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const RESOURCE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

export const DEFAULT_STORE_PATH = './data/canaryd.db';
export const DEFAULT_TEMPLATE_PATHS = ['./analysis-templates'];

const resourceName = z.string().regex(RESOURCE_NAME_PATTERN, { error: 'must start with a letter or digit and contain only letters, digits, _ and -' });

type EntrySchema = z.ZodObject<{ type: z.ZodLiteral<string> }>;

/** The discriminated union of a registry's entry schemas: an unknown `type` lists the registered ones. */
function pluginUnion(registry: { plugins: readonly { configSchema: z.ZodType }[] }) {
  // Each configSchema is a strict object with `type: z.literal(...)` (the ExtensionPlugin contract).
  const [first, ...rest] = registry.plugins.map((plugin) => plugin.configSchema as unknown as EntrySchema);
  if (first === undefined) throw new Error('a registry without plugins');
  return z.discriminatedUnion('type', [first, ...rest]);
}

const storeSchema = pluginUnion(storeRegistry);
const DEFAULT_STORE = { type: 'sqlite', path: DEFAULT_STORE_PATH };

/** `worker`: the daemon in a worker thread, the HTTP server alone on the main thread (src/thread). */
export const ENGINE_THREADS = ['main', 'worker'] as const;
export type EngineThread = (typeof ENGINE_THREADS)[number];

export interface ServerConfig {
  host: string;
  port: number;
  allowedHosts?: string[];
  engineThread?: EngineThread;
}

export const configSchema = z.strictObject({
  server: z
    .strictObject({
      host: nonEmpty.default('127.0.0.1'),
      port: z.number().int().min(0).max(65_535).default(8080),
      allowedHosts: z.array(nonEmpty).min(1).optional(),
      engineThread: z.enum(ENGINE_THREADS).optional(),
    })
    .default({ host: '127.0.0.1', port: 8080 }),
  store: storeSchema.default(DEFAULT_STORE),
  templates: z.array(nonEmpty).default(DEFAULT_TEMPLATE_PATHS),
  sources: z.record(resourceName, pluginUnion(sourceRegistry)),
  adapters: z.record(resourceName, pluginUnion(adapterRegistry)).default({}),
  log: z.strictObject({ level: z.enum(LOG_LEVELS).default('info') }).default({ level: 'info' }),
  auth: authSchema.optional(),
  policies: policiesSchema,
  notifications: notificationsSchema.optional(),
});

export type ConfigDocument = z.output<typeof configSchema>;

// ---------------------------------------------------------------- the resolved config

export type { PrometheusSourceConfig } from '../sources/prometheus/plugin.js';
export type { SourceConfig } from '../sources/registry.js';
export type { WebhookAdapterConfig } from '../adapters/webhook/plugin.js';
export type { LogAdapterConfig } from '../adapters/log/plugin.js';

/** The resolved config of any registered adapter. */
export type AdapterConfig = ResolvedAdapterConfig;

/**
 * retentionMs: ended analyses (with their events and adapter calls) whose last change is older
 * than this are deleted by the daemon's hourly sweep; absent: everything is kept.
 */
export type StoreConfig = ResolvedStoreConfig & { retentionMs?: number };

export type LogLevel = (typeof LOG_LEVELS)[number];

/** The daemon config after validation, with paths absolute and secrets read. */
export interface DaemonConfig {
  /** allowedHosts: Host header names accepted (default: the listen host, localhost, 127.0.0.1). */
  /** engineThread: where ticks, sources, store writes and adapter calls run (default main: with the HTTP server). */
  server: ServerConfig;
  store: StoreConfig;
  /** Absolute paths of template files or folders. */
  templates: string[];
  sources: Record<string, SourceConfig>;
  adapters: Record<string, AdapterConfig>;
  log: { level: LogLevel };
  /** Absent: no authentication (allowed on a loopback host only). */
  auth?: { principals: TokenPrincipal[] };
  /** First match wins; absent or empty: everything is allowed. */
  policies?: Policy[];
  /** Absent: no notifications are sent. */
  notifications?: NotificationsConfig;
}
