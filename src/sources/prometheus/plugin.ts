// The Prometheus source plug-in: `sources.<name>.type: prometheus` (also Thanos, Mimir/Cortex,
// VictoriaMetrics), its config entry and secrets, its query dialect (PromQL) and its factory.

import { z } from 'zod';
import { durationMs, httpUrl, nonEmpty } from '../../config/fields.js';
import { exclusiveFields } from '../../config/plugin.js';
import { isRecord } from '../../template/raw-data.js';
import { formatPath, type PathIssue } from '../../template/yaml-source.js';
import type { SourcePlugin } from '../plugin.js';
import type { PrometheusSourceOptions } from '../types.js';
import { promqlDialect } from './dialect.js';
import { createPrometheusSource } from './source.js';

const configSchema = z.strictObject({
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
  /** Evaluation times rounded down to a multiple of this: analyses ticking within it share requests. */
  queryAlignment: durationMs({ positive: true }).optional(),
});

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
  queryAlignmentMs?: number;
}

/** The daemon config's source entry → the options of createPrometheusSource. */
export function prometheusOptionsFromConfig(config: PrometheusSourceConfig): PrometheusSourceOptions {
  return {
    name: config.name,
    url: config.url,
    timeoutMs: config.timeoutMs,
    headers: config.headers,
    ...(config.queryAlignmentMs !== undefined ? { queryAlignmentMs: config.queryAlignmentMs } : {}),
    ...(config.bearerToken !== undefined ? { bearerToken: config.bearerToken } : {}),
    ...(config.basicAuth ? { basicAuth: config.basicAuth } : {}),
    ...(config.tls ? { tls: { insecureSkipVerify: config.tls.insecureSkipVerify, ...(config.tls.ca !== undefined ? { ca: config.tls.ca } : {}) } } : {}),
  };
}

export const prometheusSourcePlugin: SourcePlugin<z.output<typeof configSchema>, PrometheusSourceConfig> = {
  type: 'prometheus',
  configSchema,
  dialect: promqlDialect,
  secretFields: [
    {
      name: 'bearerToken',
      file: ['bearerTokenFile'],
      env: ['bearerTokenEnv'],
      redact: true,
      apply: (config, value) => {
        config.bearerToken = value;
      },
      value: (config) => config.bearerToken,
    },
    {
      name: 'basicAuthPassword',
      file: ['basicAuth', 'passwordFile'],
      env: ['basicAuth', 'passwordEnv'],
      redact: true,
      apply: (config, value) => {
        if (config.basicAuth !== undefined) config.basicAuth.password = value;
      },
      value: (config) => (config.basicAuth !== undefined && config.basicAuth.password !== '' ? config.basicAuth.password : undefined),
    },
    {
      name: 'tlsCa',
      file: ['tls', 'caFile'],
      redact: false,
      apply: (config, value) => {
        if (config.tls !== undefined) config.tls.ca = value;
      },
      value: (config) => config.tls?.ca,
    },
  ],
  check(entry, path) {
    const issues: PathIssue[] = exclusiveFields(entry, path, ['bearerTokenFile', 'bearerTokenEnv', 'basicAuth']);
    if (isRecord(entry.basicAuth)) {
      const authPath = [...path, 'basicAuth'];
      issues.push(...exclusiveFields(entry.basicAuth, authPath, ['passwordFile', 'passwordEnv']));
      if (entry.basicAuth.passwordFile === undefined && entry.basicAuth.passwordEnv === undefined) {
        issues.push({ path: authPath, message: `${formatPath(authPath)}: needs passwordFile or passwordEnv` });
      }
    }
    return issues;
  },
  resolve(raw, { name, absolute }) {
    const built: PrometheusSourceConfig = { type: 'prometheus', name, url: raw.url, timeoutMs: raw.timeout, headers: raw.headers };
    // The password is filled in when the secrets are read.
    if (raw.queryAlignment !== undefined) built.queryAlignmentMs = raw.queryAlignment;
    if (raw.basicAuth !== undefined) built.basicAuth = { username: raw.basicAuth.username, password: '' };
    if (raw.tls !== undefined) {
      built.tls = { insecureSkipVerify: raw.tls.insecureSkipVerify };
      if (raw.tls.caFile !== undefined) built.tls.caFile = absolute(raw.tls.caFile);
    }
    return built;
  },
  create: (config) => createPrometheusSource(prometheusOptionsFromConfig(config)),
};
