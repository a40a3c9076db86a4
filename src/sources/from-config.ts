// The daemon config's source entries → their sources, each built by its type's plug-in.

import { DomainError } from '../analysis/errors.js';
import type { SourcePlugin } from './plugin.js';
import { sourceRegistry, type SourceConfig } from './registry.js';
import type { MetricSource } from './types.js';

export { prometheusOptionsFromConfig } from './prometheus/plugin.js';

export function sourcePluginFor(config: SourceConfig): SourcePlugin<unknown, SourceConfig> {
  const plugin = sourceRegistry.get(config.type);
  if (plugin === undefined)
    throw new DomainError('invalid-config', `source "${config.name}": unknown type "${config.type}" (known: ${sourceRegistry.known()})`);
  return plugin;
}

export function createSourceFromConfig(config: SourceConfig): MetricSource {
  return sourcePluginFor(config).create(config, {});
}

export function createSourcesFromConfig(sources: Record<string, SourceConfig>): Map<string, MetricSource> {
  return new Map(Object.entries(sources).map(([name, config]) => [name, createSourceFromConfig(config)]));
}
