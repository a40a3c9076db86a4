// The API around a real daemon (memory store, manual clock and scheduler) for the gate routes.

import type { FastifyInstance } from 'fastify';
import { afterEach } from 'vitest';

import type { TokenPrincipal } from '../../../src/control/types.js';
import { buildServer } from '../../../src/http/server.js';
import { testDaemon, type TestDaemon } from '../daemon/daemon-fixtures.js';

export interface GateApi extends TestDaemon {
  app: FastifyInstance;
  post: (url: string, body: unknown, token?: string) => Promise<{ statusCode: number; body: string; headers: Record<string, unknown>; json: () => unknown }>;
}

const open: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((app) => app.close()));
});

export async function startGateApi(options: { principals?: TokenPrincipal[] } = {}): Promise<GateApi> {
  const t = testDaemon();
  await t.daemon.start();
  const app = await buildServer({
    service: t.daemon.service,
    gates: t.daemon.gates,
    metrics: async () => ({ contentType: 'text/plain', body: '' }),
    access: { principals: options.principals ?? null, allowedHosts: null },
  });
  open.push(app);
  const post: GateApi['post'] = async (url, body, token) => {
    const response = await app.inject({
      method: 'POST',
      url,
      payload: body as Record<string, unknown>,
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    });
    return { statusCode: response.statusCode, body: response.body, headers: response.headers, json: () => response.json() as unknown };
  };
  return { ...t, app, post };
}

/** Argo Rollouts' web provider jsonBody, as the README's AnalysisTemplate renders it. */
export function argoBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    template: 'web',
    args: { service: 'checkout' },
    target: { service: 'checkout', environment: 'prod', version: 'v2' },
    rollout: 'shop/checkout',
    revision: '6f9c7d8b5',
    ...overrides,
  };
}
