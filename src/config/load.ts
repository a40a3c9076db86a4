// Daemon config: YAML → DaemonConfig with every problem at file:line:col. This is the one place that
// reads environment variables and secret files; their values never appear in a problem message.

import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { Problem } from '../template/problems.js';
import { sortProblems } from '../template/problems.js';
import { isRecord, recordAt } from '../template/raw-data.js';
import { validateYaml } from '../template/validate-yaml.js';
import { formatPath, type Path, type PathIssue, type YamlSource } from '../template/yaml-source.js';
import { buildPolicies, buildPrincipals, buildServerConfig, checkControlConfig } from './control-config.js';
import { adapterRegistry } from '../adapters/registry.js';
import { sourceRegistry } from '../sources/registry.js';
import { storeRegistry } from '../store/registry.js';
import type { ExtensionPlugin, PluginRegistry } from './plugin.js';
import { checkNotifications } from '../notify/config-schema.js';
import { sinkRegistry, type NotificationsConfig } from '../notify/registry.js';
import { configSchema, type ConfigDocument, type DaemonConfig, type StoreConfig } from './schema.js';

/** A plug-in's SecretField name ('bearerToken', 'webhookSecret', …), or 'authToken'. */
type SecretTarget = string;

/** A value the config names but does not contain: read by loadConfigFile / loadConfigText. */
export interface SecretReference {
  owner: { section: 'sources' | 'adapters' | 'store' | 'auth' | 'notifications'; name: string };
  target: SecretTarget;
  /** An absolute file path, or an environment variable's name. */
  from: { file: string } | { env: string };
  /** The field that names it, e.g. "sources.default.bearerTokenFile", and where it is written. */
  field: string;
  location: Pick<Problem, 'file' | 'line' | 'column'>;
}

export type ConfigParseResult = { ok: true; config: DaemonConfig; secrets: SecretReference[] } | { ok: false; problems: Problem[] };

type AnyPlugin = ExtensionPlugin<unknown, unknown, unknown, unknown>;

/** The plug-in of an entry whose `type` is registered (zod reports the others, listing the known types). */
function pluginOf<P extends { readonly type: string }>(registry: PluginRegistry<P>, entry: unknown): P | undefined {
  return isRecord(entry) && typeof entry.type === 'string' ? registry.get(entry.type) : undefined;
}

function checkEntry(plugin: AnyPlugin | undefined, entry: unknown, path: Path, issues: PathIssue[]): void {
  if (plugin?.check !== undefined && isRecord(entry)) issues.push(...plugin.check(entry, path));
}

function checkConfig(data: unknown): PathIssue[] {
  const issues: PathIssue[] = checkControlConfig(data);
  const sources = recordAt(data, 'sources');
  if (isRecord(data) && isRecord(data.sources) && Object.keys(sources).length === 0) {
    issues.push({ path: ['sources'], at: 'key', message: 'sources: at least one source is needed (e.g. default: { type: prometheus, url: ... })' });
  }
  for (const [name, source] of Object.entries(sources)) checkEntry(pluginOf(sourceRegistry, source), source, ['sources', name], issues);
  for (const [name, adapter] of Object.entries(recordAt(data, 'adapters'))) checkEntry(pluginOf(adapterRegistry, adapter), adapter, ['adapters', name], issues);
  if (isRecord(data)) checkEntry(pluginOf(storeRegistry, data.store), data.store, ['store'], issues);
  issues.push(...checkNotifications(data));
  return issues;
}

function absolute(baseDir: string, path: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

class SecretCollector {
  readonly references: SecretReference[] = [];

  constructor(
    private readonly source: YamlSource,
    private readonly baseDir: string,
  ) {}

  /** `fields` maps the file and env keys (relative to the owner) to their values, if given. */
  add(
    owner: SecretReference['owner'],
    target: SecretTarget,
    fields: { file?: [Path, string | undefined]; env?: [Path, string | undefined] },
    basePath: Path = [owner.section, owner.name],
  ): void {
    const [filePath, fileValue] = fields.file ?? [[], undefined];
    const [envPath, envValue] = fields.env ?? [[], undefined];
    if (fileValue === undefined && envValue === undefined) return;
    const path = [...basePath, ...(fileValue !== undefined ? filePath : envPath)];
    const { file, line, column } = this.source.locate({ path, message: '' });
    this.references.push({
      owner,
      target,
      from: fileValue !== undefined ? { file: absolute(this.baseDir, fileValue) } : { env: envValue as string },
      field: formatPath(path),
      location: { file, line, column },
    });
  }
}

function valueAt(entry: unknown, path: Path): string | undefined {
  let current = entry;
  for (const segment of path) current = isRecord(current) ? current[segment] : undefined;
  return typeof current === 'string' ? current : undefined;
}

/** An entry resolved by its plug-in, with the secrets it names collected. */
function buildEntry<C>(
  plugin: ExtensionPlugin<unknown, C, unknown, unknown>,
  raw: unknown,
  owner: SecretReference['owner'],
  basePath: Path,
  baseDir: string,
  secrets: SecretCollector,
): C {
  const built = plugin.resolve(raw, { name: owner.name, absolute: (path) => absolute(baseDir, path) });
  for (const field of plugin.secretFields) {
    const fields: { file?: [Path, string | undefined]; env?: [Path, string | undefined] } = {};
    if (field.file !== undefined) fields.file = [field.file, valueAt(raw, field.file)];
    if (field.env !== undefined) fields.env = [field.env, valueAt(raw, field.env)];
    secrets.add(owner, field.name, fields, basePath);
  }
  return built;
}

function registered<P extends { readonly type: string }>(registry: PluginRegistry<P>, entry: { type: string }): P {
  const plugin = registry.get(entry.type);
  // The schema's discriminated union admits registered types only.
  if (plugin === undefined) throw new Error(`type "${entry.type}" passed validation but is not registered`);
  return plugin;
}

function buildEntries<C>(
  registry: PluginRegistry<ExtensionPlugin<unknown, C, never, unknown> & { readonly type: string }>,
  section: 'sources' | 'adapters',
  entries: Record<string, { type: string }>,
  baseDir: string,
  secrets: SecretCollector,
): Record<string, C> {
  return Object.fromEntries(
    Object.entries(entries).map(([name, entry]) => [
      name,
      buildEntry(registered(registry, entry), entry, { section, name }, [section, name], baseDir, secrets),
    ]),
  );
}

function buildStore(store: ConfigDocument['store'], baseDir: string, secrets: SecretCollector): StoreConfig {
  const built: StoreConfig = buildEntry(registered(storeRegistry, store), store, { section: 'store', name: 'store' }, ['store'], baseDir, secrets);
  const retention = (store as { retention?: unknown }).retention;
  if (typeof retention === 'number') built.retentionMs = retention;
  return built;
}

function buildNotifications(notifications: NonNullable<ConfigDocument['notifications']>, baseDir: string, secrets: SecretCollector): NotificationsConfig {
  const built: NotificationsConfig = {
    queueSize: notifications.queueSize,
    sinks: notifications.sinks.map((sink, index) =>
      buildEntry(registered(sinkRegistry, sink), sink, { section: 'notifications', name: sink.name }, ['notifications', 'sinks', index], baseDir, secrets),
    ),
  };
  if (notifications.publicUrl !== undefined) built.publicUrl = notifications.publicUrl;
  return built;
}

/**
 * Pure parse and validation. Relative paths are resolved against `baseDir` (default: the config
 * file's folder); secrets are returned as references, not read.
 */
export function parseConfig(text: string, file: string, baseDir: string = dirname(resolve(file))): ConfigParseResult {
  const validated = validateYaml(text, file, configSchema, checkConfig);
  if (!validated.ok) return validated;
  const document = validated.value;
  const secrets = new SecretCollector(validated.source, baseDir);
  const config: DaemonConfig = {
    server: buildServerConfig(document.server),
    store: buildStore(document.store, baseDir, secrets),
    templates: document.templates.map((path) => absolute(baseDir, path)),
    sources: buildEntries(sourceRegistry, 'sources', document.sources, baseDir, secrets),
    adapters: buildEntries(adapterRegistry, 'adapters', document.adapters, baseDir, secrets),
    log: document.log,
  };
  if (document.auth !== undefined) {
    config.auth = { principals: buildPrincipals(document.auth.tokens) };
    document.auth.tokens.forEach((token, index) => {
      const fields = {
        file: [['tokenFile'], token.tokenFile] as [Path, string | undefined],
        env: [['tokenEnv'], token.tokenEnv] as [Path, string | undefined],
      };
      secrets.add({ section: 'auth', name: token.name }, 'authToken', fields, ['auth', 'tokens', index]);
    });
  }
  if (document.policies.length > 0) config.policies = buildPolicies(document.policies);
  if (document.notifications !== undefined) config.notifications = buildNotifications(document.notifications, baseDir, secrets);
  return { ok: true, config, secrets: secrets.references };
}

function applyField<C extends { type: string }>(
  registry: PluginRegistry<ExtensionPlugin<unknown, C, never, unknown>>,
  config: C | undefined,
  target: string,
  value: string,
): void {
  if (config === undefined) return;
  registry
    .get(config.type)
    ?.secretFields.find((field) => field.name === target)
    ?.apply(config, value);
}

function applySecret(config: DaemonConfig, reference: SecretReference, value: string): void {
  const { section, name } = reference.owner;
  switch (section) {
    case 'auth': {
      const principal = config.auth?.principals.find((candidate) => candidate.name === name);
      if (principal !== undefined) principal.token = value;
      return;
    }
    case 'adapters':
      applyField(adapterRegistry, config.adapters[name], reference.target, value);
      return;
    case 'sources':
      applyField(sourceRegistry, config.sources[name], reference.target, value);
      return;
    case 'store':
      applyField(storeRegistry, config.store, reference.target, value);
      return;
    case 'notifications':
      applyField(
        sinkRegistry,
        config.notifications?.sinks.find((sink) => sink.name === name),
        reference.target,
        value,
      );
      return;
  }
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'unreadable';
}

/** Reads each referenced secret into `config`; problems name the field, file or variable, never the value. */
export async function resolveSecrets(config: DaemonConfig, secrets: readonly SecretReference[], env: NodeJS.ProcessEnv): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const reference of secrets) {
    const fail = (message: string): void => {
      problems.push({ ...reference.location, message: `${reference.field}: ${message}` });
    };
    if ('env' in reference.from) {
      const value = env[reference.from.env];
      if (value === undefined) fail(`environment variable ${reference.from.env} is not set`);
      else if (value.trim() === '') fail(`environment variable ${reference.from.env} is empty`);
      else applySecret(config, reference, value);
      continue;
    }
    try {
      // Files written with `echo` end with a newline that is no part of the secret.
      const value = (await readFile(reference.from.file, 'utf8')).trim();
      if (value === '') fail(`file ${reference.from.file} is empty`);
      else applySecret(config, reference, value);
    } catch (error) {
      fail(`cannot read file ${reference.from.file} (${errorCode(error)})`);
    }
  }
  return problems;
}

export type ConfigLoadResult = { ok: true; config: DaemonConfig } | { ok: false; problems: Problem[] };

/** Config text (e.g. the embedded default) → DaemonConfig with its secrets read. */
export async function loadConfigText(text: string, file: string, options: { baseDir?: string; env?: NodeJS.ProcessEnv } = {}): Promise<ConfigLoadResult> {
  const parsed = parseConfig(text, file, options.baseDir);
  if (!parsed.ok) return parsed;
  const problems = await resolveSecrets(parsed.config, parsed.secrets, options.env ?? process.env);
  return problems.length > 0 ? { ok: false, problems: sortProblems(problems) } : { ok: true, config: parsed.config };
}

/** Reads and validates the config file; relative paths in it are relative to its folder. */
export async function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): Promise<ConfigLoadResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    return { ok: false, problems: [{ file: path, line: 0, column: 0, message: `cannot read config file (${errorCode(error)})` }] };
  }
  return loadConfigText(text, path, { env });
}
