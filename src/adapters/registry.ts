// Builds the configured deployment adapters by name (the config loader has resolved secrets).

import { createLogAdapter } from './log.js';
import type { AdapterRequest, DeploymentAdapter, Sleeper } from './types.js';
import { createWebhookAdapter } from './webhook.js';

export type AdapterConfig =
  | { type: 'webhook'; url: string; secret?: string; timeoutMs: number; retries: number }
  | { type: 'log' };

export function createAdapters(
  configs: Record<string, AdapterConfig>,
  deps: { sleeper?: Sleeper; now?: () => number; log: (request: AdapterRequest) => void },
): Map<string, DeploymentAdapter> {
  const adapters = new Map<string, DeploymentAdapter>();
  for (const [name, config] of Object.entries(configs)) {
    if (config.type === 'log') {
      adapters.set(name, createLogAdapter({ name, record: deps.log }));
      continue;
    }
    adapters.set(
      name,
      createWebhookAdapter({
        name,
        url: config.url,
        timeoutMs: config.timeoutMs,
        retries: config.retries,
        ...(config.secret !== undefined ? { secret: config.secret } : {}),
        ...(deps.sleeper ? { sleeper: deps.sleeper } : {}),
        ...(deps.now ? { now: deps.now } : {}),
      }),
    );
  }
  return adapters;
}
