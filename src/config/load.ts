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
import {
  configSchema,
  type AdapterConfig,
  type ConfigDocument,
  type DaemonConfig,
  type PrometheusSourceConfig,
  type SourceConfig,
  type StoreConfig,
} from './schema.js';

type SecretTarget = 'bearerToken' | 'basicAuthPassword' | 'webhookSecret' | 'tlsCa' | 'authToken';

/** A value the config names but does not contain: read by loadConfigFile / loadConfigText. */
export interface SecretReference {
  owner: { section: 'sources' | 'adapters' | 'auth'; name: string };
  target: SecretTarget;
  /** An absolute file path, or an environment variable's name. */
  from: { file: string } | { env: string };
  /** The field that names it, e.g. "sources.default.bearerTokenFile", and where it is written. */
  field: string;
  location: Pick<Problem, 'file' | 'line' | 'column'>;
}

export type ConfigParseResult =
  | { ok: true; config: DaemonConfig; secrets: SecretReference[] }
  | { ok: false; problems: Problem[] };

function exclusive(owner: Record<string, unknown>, path: Path, keys: string[], issues: PathIssue[]): void {
  const present = keys.filter((key) => owner[key] !== undefined);
  if (present.length > 1) {
    const second = [...path, present[1] as string];
    issues.push({ path: second, at: 'key', message: `${formatPath(second)}: give only one of ${present.join(', ')}` });
  }
}

function checkConfig(data: unknown): PathIssue[] {
  const issues: PathIssue[] = checkControlConfig(data);
  const sources = recordAt(data, 'sources');
  if (isRecord(data) && isRecord(data.sources) && Object.keys(sources).length === 0) {
    issues.push({ path: ['sources'], at: 'key', message: 'sources: at least one source is needed (e.g. default: { type: prometheus, url: ... })' });
  }
  for (const [name, source] of Object.entries(sources)) {
    if (!isRecord(source)) continue;
    const path = ['sources', name];
    exclusive(source, path, ['bearerTokenFile', 'bearerTokenEnv', 'basicAuth'], issues);
    if (isRecord(source.basicAuth)) {
      const authPath = [...path, 'basicAuth'];
      exclusive(source.basicAuth, authPath, ['passwordFile', 'passwordEnv'], issues);
      if (source.basicAuth.passwordFile === undefined && source.basicAuth.passwordEnv === undefined) {
        issues.push({ path: authPath, message: `${formatPath(authPath)}: needs passwordFile or passwordEnv` });
      }
    }
  }
  for (const [name, adapter] of Object.entries(recordAt(data, 'adapters'))) {
    if (isRecord(adapter)) exclusive(adapter, ['adapters', name], ['secretFile', 'secretEnv'], issues);
  }
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

function buildSource(name: string, source: ConfigDocument['sources'][string], baseDir: string, secrets: SecretCollector): SourceConfig {
  const owner = { section: 'sources' as const, name };
  const built: PrometheusSourceConfig = { type: 'prometheus', name, url: source.url, timeoutMs: source.timeout, headers: source.headers };
  secrets.add(owner, 'bearerToken', {
    file: [['bearerTokenFile'], source.bearerTokenFile],
    env: [['bearerTokenEnv'], source.bearerTokenEnv],
  });
  if (source.basicAuth !== undefined) {
    // The password is filled in when the secrets are read.
    built.basicAuth = { username: source.basicAuth.username, password: '' };
    secrets.add(owner, 'basicAuthPassword', {
      file: [['basicAuth', 'passwordFile'], source.basicAuth.passwordFile],
      env: [['basicAuth', 'passwordEnv'], source.basicAuth.passwordEnv],
    });
  }
  if (source.tls !== undefined) {
    built.tls = { insecureSkipVerify: source.tls.insecureSkipVerify };
    if (source.tls.caFile !== undefined) {
      built.tls.caFile = absolute(baseDir, source.tls.caFile);
      secrets.add(owner, 'tlsCa', { file: [['tls', 'caFile'], source.tls.caFile] });
    }
  }
  return built;
}

function buildAdapter(name: string, adapter: ConfigDocument['adapters'][string], secrets: SecretCollector): AdapterConfig {
  if (adapter.type === 'log') return { type: 'log', name };
  secrets.add({ section: 'adapters', name }, 'webhookSecret', {
    file: [['secretFile'], adapter.secretFile],
    env: [['secretEnv'], adapter.secretEnv],
  });
  return { type: 'webhook', name, url: adapter.url, timeoutMs: adapter.timeout, retries: adapter.retries };
}

function buildStore(store: ConfigDocument['store'], baseDir: string): StoreConfig {
  const built: StoreConfig = store.type === 'sqlite' ? { type: 'sqlite', path: absolute(baseDir, store.path) } : { type: 'memory' };
  if (store.retention !== undefined) built.retentionMs = store.retention;
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
    store: buildStore(document.store, baseDir),
    templates: document.templates.map((path) => absolute(baseDir, path)),
    sources: Object.fromEntries(Object.entries(document.sources).map(([name, source]) => [name, buildSource(name, source, baseDir, secrets)])),
    adapters: Object.fromEntries(Object.entries(document.adapters).map(([name, adapter]) => [name, buildAdapter(name, adapter, secrets)])),
    log: document.log,
  };
  if (document.auth !== undefined) {
    config.auth = { principals: buildPrincipals(document.auth.tokens) };
    document.auth.tokens.forEach((token, index) => {
      const fields = { file: [['tokenFile'], token.tokenFile] as [Path, string | undefined], env: [['tokenEnv'], token.tokenEnv] as [Path, string | undefined] };
      secrets.add({ section: 'auth', name: token.name }, 'authToken', fields, ['auth', 'tokens', index]);
    });
  }
  if (document.policies.length > 0) config.policies = buildPolicies(document.policies);
  return { ok: true, config, secrets: secrets.references };
}

function applySecret(config: DaemonConfig, reference: SecretReference, value: string): void {
  const { section, name } = reference.owner;
  if (section === 'auth') {
    const principal = config.auth?.principals.find((candidate) => candidate.name === name);
    if (principal !== undefined) principal.token = value;
    return;
  }
  if (section === 'adapters') {
    const adapter = config.adapters[name];
    if (adapter?.type === 'webhook') adapter.secret = value;
    return;
  }
  const source = config.sources[name];
  if (source === undefined) return;
  switch (reference.target) {
    case 'bearerToken':
      source.bearerToken = value;
      break;
    case 'basicAuthPassword':
      if (source.basicAuth !== undefined) source.basicAuth.password = value;
      break;
    case 'tlsCa':
      if (source.tls !== undefined) source.tls.ca = value;
      break;
    case 'webhookSecret':
    case 'authToken':
      break;
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
export async function loadConfigText(
  text: string,
  file: string,
  options: { baseDir?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<ConfigLoadResult> {
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
