// The loggers fastify gets from lazyChildren(logger): no pino child for a request that logs
// nothing, and for one that logs, the same line (reqId bound, secrets redacted) as a real child.

import type { FastifyBaseLogger } from 'fastify';
import { describe, expect, it, vi } from 'vitest';

import { buildServer } from '../../../src/http/server.js';
import { lazyChildren } from '../../../src/http/lazy-child-logger.js';
import { createLogger } from '../../../src/telemetry/logger.js';
import { captureLog } from '../daemon/daemon-fixtures.js';
import { FakeAnalysisService } from './fake-service.js';

function capturedLogger(level = 'info'): { logger: FastifyBaseLogger; lines: () => Array<Record<string, unknown>> } {
  const { stream, entries } = captureLog();
  return { logger: createLogger({ level, destination: stream, redactValues: ['tok-3f9a-secret'] }), lines: entries };
}

describe('lazyChildren', () => {
  it('makes no child until the first line, then one child with the bindings, reused', () => {
    const { logger, lines } = capturedLogger();
    const child = vi.spyOn(logger, 'child');
    const lazy = lazyChildren(logger).child({ reqId: 'req-7' }, {});
    expect(lazy.level).toBe('info');
    lazy.debug('below the level');
    expect(child).toHaveBeenCalledTimes(1);
    lazy.info({ token: 'tok-3f9a-secret', path: '/x' }, 'first');
    lazy.warn('second');
    expect(child).toHaveBeenCalledTimes(1);
    const written = lines();
    expect(written.map((line) => [line.msg, line.reqId, line.level])).toEqual([
      ['first', 'req-7', 'info'],
      ['second', 'req-7', 'warn'],
    ]);
    expect(JSON.stringify(written)).not.toContain('tok-3f9a-secret');
  });

  it('a logger that only reads its level creates nothing; a route level applies', () => {
    const { logger } = capturedLogger();
    const child = vi.spyOn(logger, 'child');
    const lazy = lazyChildren(logger).child({ reqId: 'req-8' }, { level: 'warn' });
    expect(lazy.level).toBe('warn');
    expect(child).not.toHaveBeenCalled();
  });

  it('children of children bind all their bindings, made on first use; the root is the logger itself', () => {
    const { logger, lines } = capturedLogger();
    const child = vi.spyOn(logger, 'child');
    const root = lazyChildren(logger);
    const grandchild = root.child({ plugin: 'gates' }).child({ reqId: 'req-9' });
    expect(child).not.toHaveBeenCalled();
    grandchild.warn('nested');
    root.info('from the root');
    expect(child).toHaveBeenCalledTimes(2);
    expect(lines().map((line) => [line.msg, line.plugin, line.reqId])).toEqual([
      ['nested', 'gates', 'req-9'],
      ['from the root', undefined, undefined],
    ]);
  });

  it('through fastify: polls that log nothing make no child; a refused request logs its line with its reqId', async () => {
    const { logger, lines } = capturedLogger();
    const child = vi.spyOn(logger, 'child');
    const app = await buildServer({
      service: new FakeAnalysisService(),
      metrics: async () => ({ contentType: 'text/plain', body: '' }),
      logger,
    });
    try {
      await app.ready();
      const childrenAtStart = child.mock.calls.length;
      for (let poll = 0; poll < 20; poll++) expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      const childrenBefore = child.mock.calls.length;
      expect(lines().filter((line) => line.msg === 'request')).toEqual([]);
      const missing = await app.inject({ method: 'GET', url: '/v1/nowhere?access_token=tok-3f9a-secret' });
      expect(missing.statusCode).toBe(404);
      const requestLines = lines().filter((line) => line.msg === 'request');
      expect(requestLines).toHaveLength(1);
      expect(requestLines[0]).toMatchObject({ method: 'GET', path: '/v1/nowhere', status: 404 });
      expect(typeof requestLines[0]?.reqId).toBe('string');
      expect(child.mock.calls.length - childrenBefore).toBe(1);
      expect(childrenBefore).toBe(childrenAtStart);
      expect(JSON.stringify(lines())).not.toContain('tok-3f9a-secret');
    } finally {
      await app.close();
    }
  });
});
