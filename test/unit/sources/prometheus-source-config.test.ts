import { describe, expect, it } from 'vitest';
import { createPrometheusSource, SourceConfigError } from '../../../src/sources/index.js';

describe('createPrometheusSource configuration', () => {
  it.each([
    ['not a URL', '127.0.0.1:9090', 'not a URL'],
    ['a host without scheme', 'prometheus:9090', 'must be http or https, not prometheus:'],
    ['another scheme', 'ftp://prometheus:9090', 'must be http or https'],
  ])('refuses %s with a coded error', (_what, url, said) => {
    expect(() => createPrometheusSource({ name: 'default', url, timeoutMs: 1000 })).toThrowError(SourceConfigError);
    try {
      createPrometheusSource({ name: 'default', url, timeoutMs: 1000 });
    } catch (error) {
      expect(error).toMatchObject({ code: 'SOURCE_CONFIG_INVALID', message: expect.stringContaining(said) });
    }
  });

  it('refuses a timeout that is not positive', () => {
    expect(() => createPrometheusSource({ name: 'default', url: 'http://p:9090', timeoutMs: 0 })).toThrowError(/timeout must be positive/);
  });

  it('keeps its name', async () => {
    const source = createPrometheusSource({ name: 'thanos', url: 'http://thanos-query:10902', timeoutMs: 1000 });
    expect(source.name).toBe('thanos');
    await source.close?.();
  });
});
