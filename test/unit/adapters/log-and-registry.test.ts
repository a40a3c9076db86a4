import { describe, expect, it } from 'vitest';
import { createLogAdapter } from '../../../src/adapters/log.js';
import { createAdapters } from '../../../src/adapters/registry.js';
import { idempotencyKey, type AdapterRequest } from '../../../src/adapters/types.js';
import { createWebhookAdapter } from '../../../src/adapters/webhook.js';
import { DomainError } from '../../../src/analysis/errors.js';

const request: AdapterRequest = {
  analysisId: 'a1',
  action: 'rollback',
  weight: 0,
  step: 3,
  target: { service: 'checkout', environment: 'prod', version: 'v2' },
  rule: { id: 'error-spike', group: 'abort' },
  evidenceHash: 'f'.repeat(64),
  idempotencyKey: idempotencyKey('a1', 3, 'rollback', 'f'.repeat(64)),
  at: '2025-03-01T12:00:00.000Z',
};

describe('idempotencyKey', () => {
  it('is {analysisId}:{step}:{action}:{evidenceHash}', () => {
    expect(idempotencyKey('an-7', 0, 'set-weight', 'abc')).toBe('an-7:0:set-weight:abc');
  });
});

describe('log adapter', () => {
  it('records the request it would have sent and succeeds', async () => {
    const recorded: AdapterRequest[] = [];
    const adapter = createLogAdapter({ name: 'dry-run', record: (r) => recorded.push(r) });
    expect(await adapter.call(request)).toEqual({ ok: true, attempts: 1 });
    expect(recorded).toEqual([request]);
    expect(adapter).toMatchObject({ name: 'dry-run', type: 'log' });
  });
});

describe('createAdapters', () => {
  it('builds each configured adapter under its name', async () => {
    const logged: AdapterRequest[] = [];
    const adapters = createAdapters(
      {
        deployer: { type: 'webhook', url: 'http://127.0.0.1:9/hook', secret: 'x', timeoutMs: 1000, retries: 3 },
        'dry-run': { type: 'log' },
      },
      { log: (r) => logged.push(r) },
    );
    expect([...adapters.keys()]).toEqual(['deployer', 'dry-run']);
    expect(adapters.get('deployer')).toMatchObject({ name: 'deployer', type: 'webhook' });
    expect(adapters.get('dry-run')).toMatchObject({ name: 'dry-run', type: 'log' });
    await adapters.get('dry-run')?.call(request);
    expect(logged).toEqual([request]);
  });
});

describe('createWebhookAdapter options', () => {
  it.each([
    [{ url: 'not a url' }, 'url'],
    [{ url: 'ftp://host/x' }, 'url'],
    [{ timeoutMs: 0 }, 'timeout'],
    [{ retries: -1 }, 'retries'],
    [{ retries: 1.5 }, 'retries'],
  ])('refuses %o', (override, field) => {
    const options = { name: 'deployer', url: 'http://127.0.0.1/hook', timeoutMs: 1000, retries: 1, ...override };
    let error: unknown;
    try {
      createWebhookAdapter(options);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'invalid-config', field });
  });
});
