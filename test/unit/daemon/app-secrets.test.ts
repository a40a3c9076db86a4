import { describe, expect, it } from 'vitest';
import { configSecrets } from '../../../src/app.js';
import type { DaemonConfig } from '../../../src/config/schema.js';

describe('configSecrets', () => {
  it('lists every resolved secret of the config, for the logger to redact', () => {
    const config: DaemonConfig = {
      server: { host: '127.0.0.1', port: 0 },
      store: { type: 'memory' },
      templates: [],
      sources: {
        default: { type: 'prometheus', name: 'default', url: 'http://p:9090', timeoutMs: 1000, headers: {}, bearerToken: 'tok-1' },
        other: { type: 'prometheus', name: 'other', url: 'http://q:9090', timeoutMs: 1000, headers: {}, basicAuth: { username: 'u', password: 'pw-2' } },
      },
      adapters: {
        deployer: { type: 'webhook', name: 'deployer', url: 'http://d/hook', timeoutMs: 1000, retries: 0, secret: 'hook-3' },
        unsigned: { type: 'webhook', name: 'unsigned', url: 'http://d/hook', timeoutMs: 1000, retries: 0 },
        dry: { type: 'log', name: 'dry' },
      },
      log: { level: 'info' },
    };
    expect(configSecrets(config).sort()).toEqual(['hook-3', 'pw-2', 'tok-1']);
  });
});
