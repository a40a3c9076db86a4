// Builds the API around a fake service, with a pino logger whose lines the tests can read.

import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterEach } from 'vitest';

import { buildServer, type ServerDeps } from '../../../src/http/server.js';
import { FakeAnalysisService } from './fake-service.js';

export const METRICS_TEXT = '# HELP canaryd_up 1 while running\n# TYPE canaryd_up gauge\ncanaryd_up 1\n';
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export interface Api {
  app: FastifyInstance;
  service: FakeAnalysisService;
  logLines: () => Array<Record<string, unknown>>;
}

const open: FastifyInstance[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((app) => app.close()));
});

export async function startApi(overrides: Partial<Omit<ServerDeps, 'service' | 'logger'>> = {}): Promise<Api> {
  const service = new FakeAnalysisService();
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
  const app = await buildServer({
    service,
    metrics: async () => ({ contentType: METRICS_CONTENT_TYPE, body: METRICS_TEXT }),
    logger,
    version: '1.2.3',
    ...overrides,
  });
  open.push(app);
  return { app, service, logLines: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

export const VALID_CREATE = {
  template: 'http-service',
  args: { service: 'checkout' },
  mode: 'drive',
  adapter: 'deployer',
  target: { service: 'checkout', environment: 'prod', version: 'v2' },
} as const;

/** Parses a JSON answer; fails the test when the body is not JSON. */
export function json(response: { body: string }): unknown {
  return JSON.parse(response.body) as unknown;
}

/** The error body of a response: `{error: {code, message, field?}}` and nothing else. */
export function errorOf(response: { statusCode: number; body: string; headers: Record<string, unknown> }): {
  status: number;
  code: string;
  message: string;
  field: string | undefined;
  keys: string[];
} {
  const body = json(response) as { error: { code: string; message: string; field?: string } };
  return {
    status: response.statusCode,
    code: body.error.code,
    message: body.error.message,
    field: body.error.field,
    keys: Object.keys(body as object),
  };
}
