// `notifications.sinks[].type: webhook`: a JSON POST signed exactly like the webhook adapter
// (Canaryd-Signature over "<t>.<raw body>", src/adapters/webhook-signature.ts) with an
// Idempotency-Key that is the same for every attempt of one notification.

import { z } from 'zod';
import { webhookSecretField } from '../adapters/webhook-http.js';
import { SIGNATURE_HEADER, signWebhookBody } from '../adapters/webhook-signature.js';
import { durationMs, httpUrl, nonEmpty } from '../config/fields.js';
import { exclusiveFields } from '../config/plugin.js';
import type { Notification } from './notification.js';
import { postJson } from './post.js';
import { eventsField, sinkName, type SinkPlugin } from './sink-plugin.js';

export const webhookSinkSchema = z.strictObject({
  name: sinkName,
  type: z.literal('webhook'),
  url: httpUrl,
  secretFile: nonEmpty.optional(),
  secretEnv: nonEmpty.optional(),
  events: eventsField,
  timeout: durationMs({ positive: true }).default(5_000),
  retries: z.number().int().min(0).max(10).default(3),
});

export interface WebhookSinkConfig {
  type: 'webhook';
  name: string;
  events: z.output<typeof eventsField>;
  url: string;
  /** HMAC key, read from secretFile / secretEnv. */
  secret?: string;
  timeoutMs: number;
  retries: number;
}

/** The exact bytes POSTed. */
export function webhookNotificationBody(notification: Notification, event: string): string {
  const { key, source, at, analysis, title, verdict, rule, reason, evidenceHash, link, payload } = notification;
  return JSON.stringify({ event, key, source, at, analysis, title, verdict, rule, reason, evidenceHash, link, payload });
}

export const webhookSinkPlugin: SinkPlugin<z.output<typeof webhookSinkSchema>, WebhookSinkConfig> = {
  type: 'webhook',
  configSchema: webhookSinkSchema,
  secretFields: [webhookSecretField<WebhookSinkConfig>()],
  check: (entry, path) => exclusiveFields(entry, path, ['secretFile', 'secretEnv']),
  resolve: (raw) => ({ type: 'webhook', name: raw.name, events: raw.events, url: raw.url, timeoutMs: raw.timeout, retries: raw.retries }),
  create: (config, deps) => {
    const url = new URL(config.url);
    const secrets = [config.secret ?? '', url.password, url.search].filter((secret) => secret !== '');
    return {
      name: config.name,
      type: 'webhook',
      events: config.events,
      retries: config.retries,
      deliver: (notification, event, signal) => {
        const body = webhookNotificationBody(notification, event);
        const headers: Record<string, string> = { 'Idempotency-Key': notification.key };
        // Signed afresh for every attempt so a late retry is still inside the receiver's replay window.
        if (config.secret !== undefined) headers[SIGNATURE_HEADER] = signWebhookBody(config.secret, body, deps.now() / 1000);
        return postJson({ url: config.url, body, headers, timeoutMs: config.timeoutMs, signal, secrets });
      },
    };
  },
};
