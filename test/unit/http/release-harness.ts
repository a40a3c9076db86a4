// The API around a real daemon (memory store, manual clock and scheduler) for the release routes:
// a template with an eval check that its promote rule reads.

import type { FastifyInstance } from 'fastify';
import { afterEach } from 'vitest';

import type { CompiledTemplate } from '../../../src/analysis/types.js';
import type { ControlContext } from '../../../src/daemon/control-context.js';
import type { TokenPrincipal } from '../../../src/control/types.js';
import { buildServer } from '../../../src/http/server.js';
import { rule } from '../analysis/fixtures.js';
import { daemonTemplate, TARGET, testDaemon, type TestDaemon } from '../daemon/daemon-fixtures.js';

export const HOUR = 3_600_000;

export function checkedTemplate(evalMaxAgeMs = HOUR): CompiledTemplate {
  return daemonTemplate({
    checks: [
      { name: 'eval', fields: { task_success: 'number', pii_leakage: 'number', suite: 'string' }, maxAgeMs: evalMaxAgeMs },
      { name: 'agbom', fields: { high_risk: 'number', reviewed: 'boolean' }, maxAgeMs: null },
    ],
    owners: { release: 'team-checkout', eval: 'ml-evals' },
    rules: [
      rule('error-spike', 'abort', 'error_rate.change > 50%'),
      rule('pii-leak', 'abort', 'checks.eval.pii_leakage > 0'),
      rule('low-traffic', 'hold', 'requests.canary < 200'),
      rule('healthy', 'promote', 'error_rate.change < 10%', 'checks.eval.task_success >= 0.85', 'checks.agbom.high_risk == 0'),
    ],
  });
}

export interface ReleaseApi extends TestDaemon {
  app: FastifyInstance;
  request: (
    method: 'GET' | 'POST',
    url: string,
    body?: unknown,
    token?: string,
  ) => Promise<{ statusCode: number; body: string; headers: Record<string, unknown>; json: () => unknown }>;
  /** Creates an analysis of TARGET (overrides merged in) and waits for its first calls. */
  create: (overrides?: Record<string, unknown>) => Promise<string>;
}

const open: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((app) => app.close()));
});

export async function startReleaseApi(
  options: { principals?: TokenPrincipal[]; control?: ControlContext; template?: CompiledTemplate } = {},
): Promise<ReleaseApi> {
  const t = testDaemon({ template: options.template ?? checkedTemplate(), ...(options.control === undefined ? {} : { control: options.control }) });
  await t.daemon.start();
  const app = await buildServer({
    service: t.daemon.service,
    releases: t.daemon.releases,
    metrics: async () => ({ contentType: 'text/plain', body: '' }),
    access: { principals: options.principals ?? null, allowedHosts: null },
  });
  open.push(app);
  const request: ReleaseApi['request'] = async (method, url, body, token) => {
    const response = await app.inject({
      method,
      url,
      ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    });
    return { statusCode: response.statusCode, body: response.body, headers: response.headers, json: () => response.json() as unknown };
  };
  const create: ReleaseApi['create'] = async (overrides = {}) => {
    const view = await t.daemon.service.create({
      template: 'web',
      args: { service: 'checkout' },
      mode: 'drive',
      adapter: 'deployer',
      target: TARGET,
      ...overrides,
    });
    await t.daemon.idle();
    return view.id;
  };
  return { ...t, app, request, create };
}
