// The metric sources a daemon config may name in `sources.<name>.type`. A new source: a folder
// src/sources/<type>/ exporting a SourcePlugin (see prometheus/plugin.ts), and one line here.

import { createRegistry, type PluginConfig } from '../config/plugin.js';
import type { SourcePlugin } from './plugin.js';
import { prometheusSourcePlugin } from './prometheus/plugin.js';

export const SOURCE_PLUGINS = [prometheusSourcePlugin] as const;

/** The resolved config of any registered source. */
export type SourceConfig = PluginConfig<(typeof SOURCE_PLUGINS)[number]>;

export const sourceRegistry = createRegistry<SourcePlugin<unknown, SourceConfig>>(SOURCE_PLUGINS);
