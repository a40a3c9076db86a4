// What every signed webhook POST shares (the webhook adapter, the webhook notification sink): an
// axios client that sends the bytes it was given (no JSON transform, so the bytes signed are the
// bytes sent), follows no redirect and reads at most a small answer; and the secret's config field.

import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance } from 'axios';
import type { SecretField } from '../config/plugin.js';

export interface WebhookClientOptions {
  maxAnswerBytes: number;
  timeoutMs?: number;
  /** false: ignore proxy settings from the environment (the target is called directly, as configured). */
  proxy?: false;
}

export function createWebhookClient(options: WebhookClientOptions): AxiosInstance {
  return axios.create({
    httpAgent: new http.Agent({ keepAlive: false }),
    httpsAgent: new https.Agent({ keepAlive: false }),
    maxRedirects: 0,
    maxContentLength: options.maxAnswerBytes,
    responseType: 'text',
    transformRequest: [(data: unknown) => data],
    transformResponse: [(data: unknown) => data],
    validateStatus: () => true,
    ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
    ...(options.proxy === false ? { proxy: false as const } : {}),
  });
}

/** The HMAC secret of a signed webhook: `secretFile` or `secretEnv`, redacted wherever it would appear. */
export function webhookSecretField<C extends { secret?: string }>(): SecretField<C> {
  return {
    name: 'webhookSecret',
    file: ['secretFile'],
    env: ['secretEnv'],
    redact: true,
    apply: (config, value) => {
      config.secret = value;
    },
    value: (config) => config.secret,
  };
}
