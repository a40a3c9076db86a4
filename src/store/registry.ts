// The stores a daemon config may name in `store.type`. A new store: a folder src/store/<type>/
// exporting a StorePlugin (see sqlite/plugin.ts), and one line here.

import { DomainError } from '../analysis/errors.js';
import { createRegistry, type PluginConfig } from '../config/plugin.js';
import { memoryStorePlugin } from './memory/plugin.js';
import type { StoreDeps, StoreLock, StorePlugin } from './plugin.js';
import { postgresStorePlugin } from './postgres/plugin.js';
import { sqliteStorePlugin } from './sqlite/plugin.js';
import type { Store } from './types.js';

export const STORE_PLUGINS = [sqliteStorePlugin, memoryStorePlugin, postgresStorePlugin] as const;

/** The resolved config of any registered store. */
export type ResolvedStoreConfig = PluginConfig<(typeof STORE_PLUGINS)[number]>;

export const storeRegistry = createRegistry<StorePlugin<{ retention?: number | undefined }, ResolvedStoreConfig>>(STORE_PLUGINS);

export function openStoreFromConfig(config: ResolvedStoreConfig, deps: StoreDeps): Store {
  const plugin = storeRegistry.get(config.type);
  if (plugin === undefined) throw new DomainError('invalid-config', `store: unknown type "${config.type}" (known: ${storeRegistry.known()})`);
  return plugin.create(config, deps);
}

/** The daemon's exclusive hold on a single-writer store (SQLite); a no-op for stores replicas share. */
export function lockStoreForDaemon(config: ResolvedStoreConfig): StoreLock {
  return storeRegistry.get(config.type)?.lockForDaemon?.(config) ?? { release: () => undefined };
}
