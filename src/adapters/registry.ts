// The deployment adapters a daemon config may name in `adapters.<name>.type`, and building the
// configured ones by name (the config loader has resolved secrets). A new adapter: a folder
// src/adapters/<type>/ exporting an AdapterPlugin (see webhook/plugin.ts), and one line here.

import { DomainError } from '../analysis/errors.js';
import { createRegistry, type PluginConfig } from '../config/plugin.js';
import { logAdapterPlugin } from './log/plugin.js';
import type { AdapterDeps, AdapterPlugin } from './plugin.js';
import type { DeploymentAdapter } from './types.js';
import { webhookAdapterPlugin } from './webhook/plugin.js';

export const ADAPTER_PLUGINS = [webhookAdapterPlugin, logAdapterPlugin] as const;

/** The resolved config of any registered adapter. */
export type ResolvedAdapterConfig = PluginConfig<(typeof ADAPTER_PLUGINS)[number]>;

export const adapterRegistry = createRegistry<AdapterPlugin<unknown, ResolvedAdapterConfig>>(ADAPTER_PLUGINS);

type WithoutName<T> = T extends unknown ? Omit<T, 'name'> & { name?: string } : never;

/** An adapter's config; its name defaults to its key. */
export type AdapterConfig = WithoutName<ResolvedAdapterConfig>;

export function createAdapters(configs: Record<string, AdapterConfig>, deps: AdapterDeps): Map<string, DeploymentAdapter> {
  const adapters = new Map<string, DeploymentAdapter>();
  for (const [name, config] of Object.entries(configs)) {
    const plugin = adapterRegistry.get(config.type);
    if (plugin === undefined) throw new DomainError('invalid-config', `adapter "${name}": unknown type "${config.type}" (known: ${adapterRegistry.known()})`);
    adapters.set(name, plugin.create({ ...config, name } as ResolvedAdapterConfig, deps));
  }
  return adapters;
}
