// A store plug-in: an ExtensionPlugin opening a Store. Every store's entry takes `retention`
// (the loader turns it into StoreConfig.retentionMs), so each schema includes `retention` below.

import type { ExtensionPlugin } from '../config/plugin.js';
import { durationMs } from '../config/fields.js';
import type { Store } from './types.js';

export interface StoreDeps {
  now: () => number;
}

// No default retention: a config that does not ask for it never loses an audit trail.
export const retention = durationMs({ positive: true }).optional();

export type StorePlugin<Raw extends { retention?: number | undefined }, Config extends { type: string }> = ExtensionPlugin<Raw, Config, StoreDeps, Store> & {
  /** A store that only one daemon may use at a time (SQLite) locks it for `canaryd serve`; throws 'store-unavailable' when taken. */
  lockForDaemon?(config: Config): StoreLock;
};

export interface StoreLock {
  release(): void;
}
