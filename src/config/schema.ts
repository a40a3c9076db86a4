// The daemon config (architecture.md §5), strict like templates. Secrets are named here (a file or an
// environment variable) and resolved by load.ts, the one place that reads them.

import { z } from 'zod';
import type { Policy, TokenPrincipal } from '../control/types.js';
import { durationMs } from '../template/zod-fields.js';
import { authSchema, policiesSchema } from './auth-schema.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const RESOURCE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

export const DEFAULT_STORE_PATH = './data/canaryd.db';
export const DEFAULT_TEMPLATE_PATHS = ['./analysis-templates'];

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

const httpUrl = z.string().refine(isHttpUrl, { error: 'expected an http:// or https:// URL' });
const nonEmpty = z.string().min(1);
const resourceName = z.string().regex(RESOURCE_NAME_PATTERN, { error: 'must start with a letter or digit and contain only letters, digits, _ and -' });

const prometheusSourceSchema = z.strictObject({
  type: z.literal('prometheus'),
  url: httpUrl,
  timeout: durationMs({ positive: true }).default(10_000),
  bearerTokenFile: nonEmpty.optional(),
  bearerTokenEnv: nonEmpty.optional(),
  basicAuth: z
    .strictObject({
      username: nonEmpty,
      passwordFile: nonEmpty.optional(),
      passwordEnv: nonEmpty.optional(),
    })
    .optional(),
  headers: z.record(z.string(), z.string()).default({}),
  tls: z
    .strictObject({
      insecureSkipVerify: z.boolean().default(false),
      caFile: nonEmpty.optional(),
    })
    .optional(),
});

const webhookAdapterSchema = z.strictObject({
  type: z.literal('webhook'),
  url: httpUrl,
  secretFile: nonEmpty.optional(),
  secretEnv: nonEmpty.optional(),
  timeout: durationMs({ positive: true }).default(5_000),
  retries: z.number().int().min(0).default(3),
});

const logAdapterSchema = z.strictObject({ type: z.literal('log') });

// No default retention: a config that does not ask for it never loses an audit trail.
const retention = durationMs({ positive: true }).optional();

const storeSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('sqlite'), path: nonEmpty, retention }),
  z.strictObject({ type: z.literal('memory'), retention }),
]);

export const configSchema = z.strictObject({
  server: z
    .strictObject({
      host: nonEmpty.default('127.0.0.1'),
      port: z.number().int().min(0).max(65_535).default(8080),
      allowedHosts: z.array(nonEmpty).min(1).optional(),
    })
    .default({ host: '127.0.0.1', port: 8080 }),
  store: storeSchema.default({ type: 'sqlite', path: DEFAULT_STORE_PATH }),
  templates: z.array(nonEmpty).default(DEFAULT_TEMPLATE_PATHS),
  sources: z.record(resourceName, z.discriminatedUnion('type', [prometheusSourceSchema])),
  adapters: z.record(resourceName, z.discriminatedUnion('type', [webhookAdapterSchema, logAdapterSchema])).default({}),
  log: z.strictObject({ level: z.enum(LOG_LEVELS).default('info') }).default({ level: 'info' }),
  auth: authSchema.optional(),
  policies: policiesSchema,
});

export type ConfigDocument = z.output<typeof configSchema>;

// ---------------------------------------------------------------- the resolved config

export interface PrometheusSourceConfig {
  type: 'prometheus';
  name: string;
  url: string;
  timeoutMs: number;
  /** Resolved from bearerTokenFile / bearerTokenEnv. */
  bearerToken?: string;
  basicAuth?: { username: string; password: string };
  headers: Record<string, string>;
  tls?: {
    insecureSkipVerify: boolean;
    /** Absolute path of caFile, and its PEM content. */
    caFile?: string;
    ca?: string;
  };
}

export type SourceConfig = PrometheusSourceConfig;

export interface WebhookAdapterConfig {
  type: 'webhook';
  name: string;
  url: string;
  /** HMAC key for Canaryd-Signature, resolved from secretFile / secretEnv. */
  secret?: string;
  timeoutMs: number;
  retries: number;
}

export interface LogAdapterConfig {
  type: 'log';
  name: string;
}

export type AdapterConfig = WebhookAdapterConfig | LogAdapterConfig;

/**
 * retentionMs: ended analyses (with their events and adapter calls) whose last change is older
 * than this are deleted by the daemon's hourly sweep; absent: everything is kept.
 */
export type StoreConfig = ({ type: 'sqlite'; path: string } | { type: 'memory' }) & { retentionMs?: number };

export type LogLevel = (typeof LOG_LEVELS)[number];

/** The daemon config after validation, with paths absolute and secrets read. */
export interface DaemonConfig {
  /** allowedHosts: Host header names accepted (default: the listen host, localhost, 127.0.0.1). */
  server: { host: string; port: number; allowedHosts?: string[] };
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
}
