import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfigFile, loadConfigText, parseConfig } from '../../../src/config/load.js';
import { formatProblem } from '../../../src/template/problems.js';
import { positionOf } from '../template/template-text.js';

const DEFAULT_CONFIG = readFileSync(fileURLToPath(new URL('../../../config/default.yaml', import.meta.url)), 'utf8');

const CONTRACT_EXAMPLE = `server: { host: 127.0.0.1, port: 8080 }
store: { type: sqlite, path: ./data/canaryd.db }     # the embedded default
templates: [./analysis-templates]                     # folders or files
sources:
  default: { type: prometheus, url: http://127.0.0.1:9090, timeout: 10s }
adapters:
  deployer: { type: webhook, url: http://deployer.internal/canary, secretFile: ./secrets/hook, timeout: 5s, retries: 3 }
  dry-run:  { type: log }
log: { level: info }
`;

const MINIMAL = `sources:
  default:
    type: prometheus
    url: http://prometheus:9090
`;

function problemsOf(text: string): string[] {
  const result = parseConfig(text, 'c.yaml', '/etc/canaryd');
  if (result.ok) throw new Error('expected problems, the config was accepted');
  return result.problems.map(formatProblem);
}

describe('parseConfig', () => {
  it('accepts the embedded default config', () => {
    const result = parseConfig(DEFAULT_CONFIG, 'config/default.yaml', '/srv/canaryd');
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
    expect(result.config).toEqual({
      server: { host: '127.0.0.1', port: 8080 },
      store: { type: 'sqlite', path: '/srv/canaryd/data/canaryd.db', retentionMs: 30 * 86_400_000 },
      templates: ['/srv/canaryd/analysis-templates'],
      sources: { default: { type: 'prometheus', name: 'default', url: 'http://127.0.0.1:9090', timeoutMs: 10_000, headers: {} } },
      adapters: { 'dry-run': { type: 'log', name: 'dry-run' } },
      log: { level: 'info' },
    });
    expect(result.secrets).toEqual([]);
  });

  it('accepts the contract example and names its webhook secret file, resolved against the base folder', () => {
    const result = parseConfig(CONTRACT_EXAMPLE, 'c.yaml', '/etc/canaryd');
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
    expect(result.config.adapters.deployer).toEqual({
      type: 'webhook',
      name: 'deployer',
      url: 'http://deployer.internal/canary',
      timeoutMs: 5_000,
      retries: 3,
    });
    expect(result.secrets).toEqual([
      {
        owner: { section: 'adapters', name: 'deployer' },
        target: 'webhookSecret',
        from: { file: '/etc/canaryd/secrets/hook' },
        field: 'adapters.deployer.secretFile',
        location: { file: 'c.yaml', line: 7, column: positionOf(CONTRACT_EXAMPLE, './secrets/hook').split(':').map(Number)[1] },
      },
    ]);
  });

  it('fills in defaults: server, store, templates, log, source timeout, webhook timeout and retries', () => {
    const result = parseConfig(`${MINIMAL}adapters:\n  hook: { type: webhook, url: https://deploy.example/hook }\n`, 'c.yaml', '/etc/canaryd');
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
    expect(result.config.server).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(result.config.store).toEqual({ type: 'sqlite', path: '/etc/canaryd/data/canaryd.db' });
    expect(result.config.templates).toEqual(['/etc/canaryd/analysis-templates']);
    expect(result.config.log).toEqual({ level: 'info' });
    expect(result.config.sources.default?.timeoutMs).toBe(10_000);
    expect(result.config.adapters.hook).toMatchObject({ timeoutMs: 5_000, retries: 3 });
  });

  it('keeps absolute paths, a memory store, headers and tls settings', () => {
    const text = `store: { type: memory }\ntemplates: [/opt/templates, ./more]\n${MINIMAL}    headers: { X-Scope-OrgID: tenant-1 }\n    tls: { insecureSkipVerify: true }\n`;
    const result = parseConfig(text, 'c.yaml', '/etc/canaryd');
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
    expect(result.config.store).toEqual({ type: 'memory' });
    expect(result.config.templates).toEqual(['/opt/templates', '/etc/canaryd/more']);
    expect(result.config.sources.default).toMatchObject({ headers: { 'X-Scope-OrgID': 'tenant-1' }, tls: { insecureSkipVerify: true } });
  });

  it('reads the store retention as milliseconds, for either store type; without it nothing is pruned', () => {
    const sqlite = parseConfig(`store: { type: sqlite, path: ./c.db, retention: 1w2d }\n${MINIMAL}`, 'c.yaml', '/etc/canaryd');
    if (!sqlite.ok) throw new Error(sqlite.problems.map(formatProblem).join('\n'));
    expect(sqlite.config.store).toEqual({ type: 'sqlite', path: '/etc/canaryd/c.db', retentionMs: 9 * 86_400_000 });
    const memory = parseConfig(`store: { type: memory, retention: 90m }\n${MINIMAL}`, 'c.yaml', '/etc/canaryd');
    if (!memory.ok) throw new Error(memory.problems.map(formatProblem).join('\n'));
    expect(memory.config.store).toEqual({ type: 'memory', retentionMs: 90 * 60_000 });
    const none = parseConfig(`store: { type: sqlite, path: ./c.db }\n${MINIMAL}`, 'c.yaml', '/etc/canaryd');
    if (!none.ok) throw new Error(none.problems.map(formatProblem).join('\n'));
    expect(none.config.store).not.toHaveProperty('retentionMs');
  });

  it('reports a bad store retention at its value', () => {
    const text = `store: { type: sqlite, path: ./c.db, retention: 30 days }\n${MINIMAL}`;
    expect(problemsOf(text)).toEqual([`c.yaml:${positionOf(text, '30 days')}: store.retention: invalid duration "30 days": expected e.g. 30s, 5m, 1h30m`]);
    expect(problemsOf(`store:\n  type: memory\n  retention: 0\n${MINIMAL}`)).toEqual([`c.yaml:3:14: store.retention: must be a duration greater than 0`]);
    expect(problemsOf(`store:\n  type: memory\n  retension: 30d\n${MINIMAL}`)).toEqual([`c.yaml:3:3: store.retension: unknown field`]);
  });

  it('reports every shape problem at its node', () => {
    const text = `server: { host: 0.0.0.0, port: 70000 }
store: { type: etcd, path: x }
sources:
  default:
    type: prometheus
    url: prometheus:9090
    timeout: 10
    bearerTokenFiel: ./token
adapters:
  deployer: { type: webhook, url: http://x, retries: -1 }
  pager: { type: slack }
log: { level: verbose }
telemetry: {}
`;
    expect(problemsOf(text)).toEqual([
      // Issue 8: without auth, only a loopback host.
      `c.yaml:1:17: server.host: "0.0.0.0" is not a loopback address, and without auth anyone who reaches it could change deployments; configure auth.tokens or listen on 127.0.0.1`,
      `c.yaml:1:32: server.port: must be at most 65535`,
      `c.yaml:2:16: store.type: expected sqlite, memory or postgres, got "etcd"`,
      `c.yaml:6:10: sources.default.url: expected an http:// or https:// URL`,
      `c.yaml:7:14: sources.default.timeout: invalid duration 10: expected e.g. 30s, 5m, 1h30m (give a unit, e.g. 30s)`,
      `c.yaml:8:5: sources.default.bearerTokenFiel: unknown field`,
      `c.yaml:10:54: adapters.deployer.retries: must be at least 0`,
      `c.yaml:11:18: adapters.pager.type: expected webhook or log, got "slack"`,
      `c.yaml:12:15: log.level: expected fatal, error, warn, info, debug, trace or silent, got "verbose"`,
      `c.yaml:13:1: telemetry: unknown field`,
    ]);
  });

  it('sources are required and must not be empty; names are checked', () => {
    expect(problemsOf('log: { level: info }\n')).toEqual([`c.yaml:1:1: sources: required`]);
    expect(problemsOf('sources: {}\n')).toEqual([`c.yaml:1:1: sources: at least one source is needed (e.g. default: { type: prometheus, url: ... })`]);
    expect(problemsOf('sources:\n  "bad name": { type: prometheus, url: http://p:9090 }\n')).toEqual([
      `c.yaml:2:3: sources.bad name: invalid name: must start with a letter or digit and contain only letters, digits, _ and -`,
    ]);
  });

  it('refuses two ways of giving the same secret, and basic auth without a password', () => {
    const text = `${MINIMAL}    bearerTokenFile: ./token\n    bearerTokenEnv: TOKEN\n  other:\n    type: prometheus\n    url: http://p:9090\n    basicAuth: { username: canaryd }\nadapters:\n  hook: { type: webhook, url: http://x, secretFile: ./s, secretEnv: S }\n`;
    expect(problemsOf(text)).toEqual([
      `c.yaml:6:5: sources.default.bearerTokenEnv: give only one of bearerTokenFile, bearerTokenEnv`,
      `c.yaml:10:16: sources.other.basicAuth: needs passwordFile or passwordEnv`,
      `c.yaml:${positionOf(text, 'secretEnv')}: adapters.hook.secretEnv: give only one of secretFile, secretEnv`,
    ]);
  });

  it('reports YAML syntax errors with their position', () => {
    expect(problemsOf('sources:\n  default: { type: prometheus\n')).toEqual([
      'c.yaml:3:1: YAML: Flow map in block collection must be sufficiently indented and end with a }',
    ]);
    expect(problemsOf('sources:\n  a: 1\n  a: 2\n')).toEqual(['c.yaml:3:3: YAML: Map keys must be unique']);
  });
});

describe('loadConfigFile: secrets', () => {
  let folder: string;

  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'canaryd-config-'));
    mkdirSync(join(folder, 'secrets'));
  });

  afterEach(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  function write(name: string, text: string): string {
    const path = join(folder, name);
    writeFileSync(path, text);
    return path;
  }

  it('reads secret files relative to the config folder (trimmed) and environment variables', async () => {
    write('secrets/token', 'prom-token-value\n');
    write('secrets/hook', '  hook-key-value  \n');
    write('ca.pem', '-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n');
    const path = write(
      'canaryd.yaml',
      `sources:
  default: { type: prometheus, url: http://p:9090, bearerTokenFile: ./secrets/token, tls: { caFile: ca.pem } }
  thanos: { type: prometheus, url: http://t:9090, basicAuth: { username: canaryd, passwordEnv: THANOS_PASSWORD } }
adapters:
  deployer: { type: webhook, url: http://d/hook, secretFile: secrets/hook }
  other: { type: webhook, url: http://d/other, secretEnv: OTHER_SECRET }
`,
    );
    const result = await loadConfigFile(path, { THANOS_PASSWORD: 'pa55word', OTHER_SECRET: 'other-key' });
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
    expect(result.config.sources.default?.bearerToken).toBe('prom-token-value');
    expect(result.config.sources.default?.tls).toEqual({
      insecureSkipVerify: false,
      caFile: join(folder, 'ca.pem'),
      ca: '-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----',
    });
    expect(result.config.sources.thanos?.basicAuth).toEqual({ username: 'canaryd', password: 'pa55word' });
    expect(result.config.adapters.deployer).toMatchObject({ secret: 'hook-key-value' });
    expect(result.config.adapters.other).toMatchObject({ secret: 'other-key' });
    expect(result.config.templates).toEqual([join(folder, 'analysis-templates')]);
  });

  it('a missing file, unset or empty variable, or empty file is a problem at the field; no secret value leaks', async () => {
    write('secrets/empty', '\n');
    write('secrets/present', 'TOP-SECRET-FILE-VALUE');
    const text = `sources:
  default: { type: prometheus, url: http://p:9090, bearerTokenFile: ./secrets/missing }
  b: { type: prometheus, url: http://p:9090, bearerTokenEnv: UNSET_TOKEN }
  c: { type: prometheus, url: http://p:9090, bearerTokenEnv: EMPTY_TOKEN }
  d: { type: prometheus, url: http://p:9090, bearerTokenEnv: SET_TOKEN }
adapters:
  hook: { type: webhook, url: http://d/hook, secretFile: ./secrets/empty }
  ok: { type: webhook, url: http://d/hook, secretFile: ./secrets/present }
`;
    const path = write('canaryd.yaml', text);
    const result = await loadConfigFile(path, { EMPTY_TOKEN: '  ', SET_TOKEN: 'TOP-SECRET-ENV-VALUE' });
    if (result.ok) throw new Error('expected problems');
    const shown = result.problems.map(formatProblem);
    expect(shown).toEqual([
      `${path}:${positionOf(text, './secrets/missing')}: sources.default.bearerTokenFile: cannot read file ${join(folder, 'secrets/missing')} (ENOENT)`,
      `${path}:${positionOf(text, 'UNSET_TOKEN')}: sources.b.bearerTokenEnv: environment variable UNSET_TOKEN is not set`,
      `${path}:${positionOf(text, 'EMPTY_TOKEN')}: sources.c.bearerTokenEnv: environment variable EMPTY_TOKEN is empty`,
      `${path}:${positionOf(text, './secrets/empty')}: adapters.hook.secretFile: file ${join(folder, 'secrets/empty')} is empty`,
    ]);
    for (const line of shown) {
      expect(line).not.toContain('TOP-SECRET');
    }
  });

  it('an unreadable config file is one problem about the whole file', async () => {
    const result = await loadConfigFile(join(folder, 'nope.yaml'), {});
    expect(result).toEqual({ ok: false, problems: [{ file: join(folder, 'nope.yaml'), line: 0, column: 0, message: 'cannot read config file (ENOENT)' }] });
  });

  it('loadConfigText resolves the embedded default against a given folder', async () => {
    const result = await loadConfigText(DEFAULT_CONFIG, 'embedded default', { baseDir: folder, env: {} });
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
    expect(result.config.store).toEqual({ type: 'sqlite', path: join(folder, 'data/canaryd.db'), retentionMs: 30 * 86_400_000 });
  });
});
