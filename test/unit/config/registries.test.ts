import { afterEach, describe, expect, it, vi } from 'vitest';
import { logAdapterPlugin } from '../../../src/adapters/log/plugin.js';
import { adapterRegistry, createAdapters } from '../../../src/adapters/registry.js';
import { webhookAdapterPlugin } from '../../../src/adapters/webhook/plugin.js';
import { buildApp, configSecrets } from '../../../src/app.js';
import { loadConfigText, parseConfig } from '../../../src/config/load.js';
import { createRegistry } from '../../../src/config/plugin.js';
import { createSourcesFromConfig } from '../../../src/sources/from-config.js';
import { promqlDialect } from '../../../src/sources/prometheus/dialect.js';
import { prometheusSourcePlugin } from '../../../src/sources/prometheus/plugin.js';
import { sourceRegistry } from '../../../src/sources/registry.js';
import { memoryStorePlugin } from '../../../src/store/memory/plugin.js';
import { openStoreFromConfig, storeRegistry } from '../../../src/store/registry.js';
import { sqliteStorePlugin } from '../../../src/store/sqlite/plugin.js';
import { formatProblem } from '../../../src/template/problems.js';
import { createLogger } from '../../../src/telemetry/logger.js';
import { positionOf } from '../template/template-text.js';

const SOURCE = `sources:\n  default: { type: prometheus, url: http://127.0.0.1:9 }\n`;

function problemsOf(text: string): string[] {
  const result = parseConfig(text, 'c.yaml', '/etc/canaryd');
  if (result.ok) throw new Error('expected problems, the config was accepted');
  return result.problems.map(formatProblem);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('plugin registries', () => {
  it('list their plug-ins by type, and name the registered types', () => {
    expect(sourceRegistry.plugins.map((plugin) => plugin.type)).toEqual(['prometheus']);
    expect(adapterRegistry.known()).toBe('webhook, log');
    expect(storeRegistry.known()).toBe('sqlite, memory, postgres');
    expect(storeRegistry.get('memory')).toBe(memoryStorePlugin);
    expect(storeRegistry.get('etcd')).toBeUndefined();
    expect(createRegistry([]).known()).toBe('none');
  });

  it('the Prometheus source brings the PromQL dialect', () => {
    expect(prometheusSourcePlugin.dialect).toBe(promqlDialect);
    expect(promqlDialect.probeQuery).toBe('vector(1)');
    expect(promqlDialect.checkSyntax('sum(rate(x[5m]))')).toBeNull();
    expect(promqlDialect.checkSyntax('sum(')?.message).toMatch(/^PromQL syntax error/);
  });
});

describe('an unknown type lists the registered types, at file:line:col', () => {
  it('for a source', () => {
    const text = 'sources:\n  default: { type: influx, url: http://x:1 }\n';
    expect(problemsOf(text)).toEqual([`c.yaml:${positionOf(text, 'influx')}: sources.default.type: expected prometheus, got "influx"`]);
  });

  it('for an adapter', () => {
    const text = `${SOURCE}adapters:\n  pager: { type: slack }\n`;
    expect(problemsOf(text)).toEqual([`c.yaml:${positionOf(text, 'slack')}: adapters.pager.type: expected webhook or log, got "slack"`]);
  });

  it('for a store', () => {
    expect(problemsOf(`store:\n  type: etcd\n${SOURCE}`)).toEqual([`c.yaml:2:9: store.type: expected sqlite, memory or postgres, got "etcd"`]);
  });
});

describe("a plug-in's secretFields", () => {
  it('are loaded into the resolved source, and the redacted ones are given to the logger', async () => {
    const text = `sources:\n  default:\n    type: prometheus\n    url: http://127.0.0.1:9\n    bearerTokenEnv: TOKEN\n    tls: { caFile: /nonexistent/ca.pem }\n`;
    const parsed = parseConfig(text, 'c.yaml', '/etc/canaryd');
    if (!parsed.ok) throw new Error(parsed.problems.map(formatProblem).join('\n'));
    expect(parsed.secrets.map((secret) => [secret.target, secret.field])).toEqual([
      ['bearerToken', 'sources.default.bearerTokenEnv'],
      ['tlsCa', 'sources.default.tls.caFile'],
    ]);
    const withoutCa = text.replace('    tls: { caFile: /nonexistent/ca.pem }\n', '');
    const loaded = await loadConfigText(withoutCa, 'c.yaml', { env: { TOKEN: 'tok-9' } });
    if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join('\n'));
    expect(loaded.config.sources['default']).toMatchObject({ bearerToken: 'tok-9' });
    expect(configSecrets(loaded.config)).toEqual(['tok-9']);
  });

  it('are loaded into the resolved adapter (webhookSecret) and redacted; a CA is loaded but not redacted', async () => {
    const config = `${SOURCE}adapters:\n  hook: { type: webhook, url: http://d/hook, secretEnv: HOOK }\n`;
    const loaded = await loadConfigText(config, 'c.yaml', { env: { HOOK: 'hook-7' } });
    if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join('\n'));
    expect(loaded.config.adapters['hook']).toMatchObject({ type: 'webhook', secret: 'hook-7' });
    expect(configSecrets(loaded.config)).toEqual(['hook-7']);
    expect(webhookAdapterPlugin.secretFields.map((field) => [field.name, field.redact])).toEqual([['webhookSecret', true]]);
    expect(prometheusSourcePlugin.secretFields.map((field) => [field.name, field.redact])).toEqual([
      ['bearerToken', true],
      ['basicAuthPassword', true],
      ['tlsCa', false],
    ]);
  });

  it('report a missing value at the field that names it', async () => {
    const text = `${SOURCE}adapters:\n  hook: { type: webhook, url: http://d/hook, secretEnv: HOOK }\n`;
    const loaded = await loadConfigText(text, 'c.yaml', { env: {} });
    expect(loaded.ok ? [] : loaded.problems.map(formatProblem)).toEqual([
      `c.yaml:${positionOf(text, 'HOOK')}: adapters.hook.secretEnv: environment variable HOOK is not set`,
    ]);
  });
});

describe("the plug-ins' create() builds what the daemon runs", () => {
  it('createSourcesFromConfig and createAdapters call the plug-in of each type', () => {
    const sourceCreate = vi.spyOn(prometheusSourcePlugin, 'create');
    const logCreate = vi.spyOn(logAdapterPlugin, 'create');
    const sources = createSourcesFromConfig({ a: { type: 'prometheus', name: 'a', url: 'http://127.0.0.1:9', timeoutMs: 1000, headers: {} } });
    expect(sources.get('a')?.name).toBe('a');
    expect(sourceCreate).toHaveBeenCalledTimes(1);
    const adapters = createAdapters({ dry: { type: 'log' } }, { log: () => undefined });
    expect(logCreate).toHaveBeenCalledTimes(1);
    expect(adapters.get('dry')).toMatchObject({ name: 'dry', type: 'log' });
    expect(openStoreFromConfig({ type: 'memory' }, { now: () => 0 })).toBeDefined();
  });

  it('buildApp opens the store and builds the sources and adapters through their plug-ins', async () => {
    const storeCreate = vi.spyOn(memoryStorePlugin, 'create');
    const sqliteCreate = vi.spyOn(sqliteStorePlugin, 'create');
    const sourceCreate = vi.spyOn(prometheusSourcePlugin, 'create');
    const logCreate = vi.spyOn(logAdapterPlugin, 'create');
    const app = await buildApp(
      {
        server: { host: '127.0.0.1', port: 0 },
        store: { type: 'memory' },
        templates: [],
        sources: { default: { type: 'prometheus', name: 'default', url: 'http://127.0.0.1:9', timeoutMs: 1000, headers: {} } },
        adapters: { dry: { type: 'log', name: 'dry' } },
        log: { level: 'silent' },
      },
      { logger: createLogger({ level: 'silent' }) },
    );
    try {
      expect(storeCreate).toHaveBeenCalledTimes(1);
      expect(sqliteCreate).not.toHaveBeenCalled();
      expect(sourceCreate).toHaveBeenCalledTimes(1);
      expect(logCreate).toHaveBeenCalledTimes(1);
    } finally {
      await app.close();
    }
  });
});
