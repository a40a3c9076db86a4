// A metric source plug-in: an ExtensionPlugin creating a MetricSource, with its query dialect.

import type { ExtensionPlugin } from '../config/plugin.js';
import type { QueryDialect } from '../template/dialect.js';
import type { MetricSource } from './types.js';

/** Nothing yet: a source's config carries what it needs. */
export type SourceDeps = Record<string, never>;

export interface SourcePlugin<Raw, Config extends { type: string; name: string }> extends ExtensionPlugin<Raw, Config, SourceDeps, MetricSource> {
  /** The language of the queries templates send to this source. */
  readonly dialect: QueryDialect;
}
