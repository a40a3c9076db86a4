// The notification sinks a daemon config may name in `notifications.sinks[].type`, and building
// the configured ones. A new sink: a file exporting a SinkPlugin (see slack.ts) and one line here.

import { createRegistry, type PluginConfig } from '../config/plugin.js';
import type { SinkDeps } from './sink.js';
import type { DeliveringSink, SinkPlugin } from './sink-plugin.js';
import { slackSinkPlugin } from './slack.js';
import { webhookSinkPlugin } from './webhook.js';

export const SINK_PLUGINS = [slackSinkPlugin, webhookSinkPlugin] as const;

/** The resolved config of any registered sink. */
export type SinkConfig = PluginConfig<(typeof SINK_PLUGINS)[number]>;

export const sinkRegistry = createRegistry<SinkPlugin<unknown, SinkConfig>>(SINK_PLUGINS);

/** `notifications:` after validation, with the sinks' secrets read. */
export interface NotificationsConfig {
  sinks: SinkConfig[];
  /** Notifications waiting per sink; past it the oldest is dropped (and counted). */
  queueSize: number;
  /** The daemon's address as people reach it, for report links (default: the listen address). */
  publicUrl?: string;
}

export function createSinks(configs: readonly SinkConfig[], deps: SinkDeps): DeliveringSink[] {
  return configs.map((config) => {
    const plugin = sinkRegistry.get(config.type);
    // The config schema admits registered types only.
    if (plugin === undefined) throw new Error(`notification sink type "${config.type}" is not registered`);
    return plugin.create(config, deps);
  });
}
