// The webhook adapter plug-in: `adapters.<name>.type: webhook`, a signed POST per action.

import { z } from 'zod';
import { durationMs, httpUrl, nonEmpty } from '../../config/fields.js';
import { exclusiveFields } from '../../config/plugin.js';
import type { AdapterPlugin } from '../plugin.js';
import { webhookSecretField } from '../webhook-http.js';
import { createWebhookAdapter } from '../webhook.js';

const configSchema = z.strictObject({
  type: z.literal('webhook'),
  url: httpUrl,
  secretFile: nonEmpty.optional(),
  secretEnv: nonEmpty.optional(),
  timeout: durationMs({ positive: true }).default(5_000),
  retries: z.number().int().min(0).default(3),
});

export interface WebhookAdapterConfig {
  type: 'webhook';
  name: string;
  url: string;
  /** HMAC key for Canaryd-Signature, resolved from secretFile / secretEnv. */
  secret?: string;
  timeoutMs: number;
  retries: number;
}

export const webhookAdapterPlugin: AdapterPlugin<z.output<typeof configSchema>, WebhookAdapterConfig> = {
  type: 'webhook',
  configSchema,
  secretFields: [webhookSecretField<WebhookAdapterConfig>()],
  check: (entry, path) => exclusiveFields(entry, path, ['secretFile', 'secretEnv']),
  resolve: (raw, { name }) => ({ type: 'webhook', name, url: raw.url, timeoutMs: raw.timeout, retries: raw.retries }),
  create: (config, deps) =>
    createWebhookAdapter({
      name: config.name,
      url: config.url,
      timeoutMs: config.timeoutMs,
      retries: config.retries,
      ...(config.secret !== undefined ? { secret: config.secret } : {}),
      ...(deps.sleeper ? { sleeper: deps.sleeper } : {}),
      ...(deps.now ? { now: deps.now } : {}),
    }),
};
