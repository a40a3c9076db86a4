// The plug-in contract shared by every kind of configured extension (metric sources, deployment
// adapters, stores): a strict zod schema of its config entry, the secrets the entry names, how the
// entry resolves into the config the daemon runs with, and a factory. Each kind keeps a registry
// (src/sources/registry.ts, src/adapters/registry.ts, src/store/registry.ts) listing its plugins.

import type { z } from 'zod';
import { formatPath, type Path, type PathIssue } from '../template/yaml-source.js';

/** A value the entry names by file or environment variable, read by the config loader. */
export interface SecretField<C> {
  /** Names the secret in references, e.g. 'bearerToken'. */
  readonly name: string;
  /** Keys, relative to the entry, of the file path and of the environment variable's name. */
  readonly file?: Path;
  readonly env?: Path;
  /** The logger replaces the value wherever it would appear (false for e.g. a CA certificate). */
  readonly redact: boolean;
  /** Stores the value read into the resolved config. */
  apply(config: C, value: string): void;
  /** The value stored, if any. */
  value(config: C): string | undefined;
}

export interface ResolveContext {
  /** The entry's name (its key in `sources` / `adapters`; "store" for the store). */
  name: string;
  /** A path of the config made absolute against the config's folder. */
  absolute(path: string): string;
}

/**
 * Raw: the validated entry (configSchema's output); Config: the resolved config (absolute paths,
 * secrets filled in by the loader); Deps: what the composition root hands create().
 */
export interface ExtensionPlugin<Raw, Config, Deps, Instance> {
  readonly type: string;
  /** A strict object schema with `type: z.literal(type)`; it joins its kind's discriminated union. */
  readonly configSchema: z.ZodType<Raw>;
  readonly secretFields: readonly SecretField<Config>[];
  /** Checks zod cannot express (exclusive fields); path is the entry's path in the config. */
  check?(entry: Record<string, unknown>, path: Path): PathIssue[];
  resolve(raw: Raw, context: ResolveContext): Config;
  create(config: Config, deps: Deps): Instance;
}

/** The resolved config type of a plugin. */
export type PluginConfig<P> = P extends ExtensionPlugin<infer _Raw, infer Config, infer _Deps, infer _Instance> ? Config : never;

/** A registry: plugins by type, and the list of types for messages. */
export interface PluginRegistry<P extends { readonly type: string }> {
  readonly plugins: readonly P[];
  get(type: string): P | undefined;
  /** "a, b" — for messages naming the registered types. */
  known(): string;
}

export function createRegistry<P extends { readonly type: string }>(plugins: readonly P[]): PluginRegistry<P> {
  const byType = new Map(plugins.map((plugin) => [plugin.type, plugin]));
  return {
    plugins,
    get: (type) => byType.get(type),
    known: () => plugins.map((plugin) => plugin.type).join(', ') || 'none',
  };
}

/** Reports the second of `keys` present in `owner`: only one of them may be given. */
export function exclusiveFields(owner: Record<string, unknown>, path: Path, keys: readonly string[]): PathIssue[] {
  const present = keys.filter((key) => owner[key] !== undefined);
  if (present.length <= 1) return [];
  const second = [...path, present[1] as string];
  return [{ path: second, at: 'key', message: `${formatPath(second)}: give only one of ${present.join(', ')}` }];
}
