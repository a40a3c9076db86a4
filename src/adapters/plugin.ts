// A deployment adapter plug-in: an ExtensionPlugin creating a DeploymentAdapter.

import type { ExtensionPlugin } from '../config/plugin.js';
import type { AdapterRequest, DeploymentAdapter, Sleeper } from './types.js';

/** What the composition root hands every adapter factory. */
export interface AdapterDeps {
  sleeper?: Sleeper;
  now?: () => number;
  /** Where a dry run records what it would have asked. */
  log: (request: AdapterRequest) => void;
}

export type AdapterPlugin<Raw, Config extends { type: string; name: string }> = ExtensionPlugin<Raw, Config, AdapterDeps, DeploymentAdapter>;
