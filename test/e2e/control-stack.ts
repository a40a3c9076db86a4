// What the control-boundary e2e tests add to the traffic stack: principals with token files, the
// issue's policies, a second source whose error page echoes the Authorization header, and an
// authenticated API client.

import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { fastTemplateYaml } from './fast-template.js';
import type { WrittenConfig } from './traffic-stack.js';

export const PRINCIPALS = {
  argo: { name: 'argo-rollouts', scopes: ['read', 'analyses:create'] },
  alice: { name: 'alice', scopes: ['read', 'actions', 'approve'], environments: ['staging', 'production', 'expiring'] },
  admin: { name: 'ops-admin', scopes: ['read', 'actions', 'approve', 'admin'] },
  carol: { name: 'carol', scopes: ['read', 'analyses:create', 'approve'] },
  stager: { name: 'stager', scopes: ['read', 'actions'], environments: ['staging'] },
} as const;
export type PrincipalKey = keyof typeof PRINCIPALS;

export const ECHO_TEMPLATE = 'e2e-echo';

export interface EchoSource {
  url: string;
  /** The bearer token canaryd sends it (and it echoes back in its error page). */
  token: string;
  close(): Promise<void>;
}

/** A "Prometheus" that answers 401 with an HTML page echoing the request's headers. */
export async function startEchoSource(): Promise<EchoSource> {
  const server: Server = createServer((request, response) => {
    const headers = Object.entries(request.headers)
      .map(([name, value]) => `${name}: ${String(value)}`)
      .join('\n');
    response.writeHead(401, { 'Content-Type': 'text/html' });
    response.end(`<html><head><title>401 Unauthorized</title></head><body><h1>Unauthorized</h1><p>debug</p><pre>${headers}</pre></body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token: `echo-${randomBytes(12).toString('hex')}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface ControlConfig {
  tokens: Record<PrincipalKey, string>;
}

/** Adds auth, policies and the echo source to a written daemon config; writes the templates. */
export async function addControl(config: WrittenConfig, dir: string, echo: EchoSource): Promise<ControlConfig> {
  const document = parse(await readFile(config.file, 'utf8')) as Record<string, unknown>;
  const tokens = {} as Record<PrincipalKey, string>;
  const entries = [];
  for (const [key, principal] of Object.entries(PRINCIPALS) as Array<[PrincipalKey, (typeof PRINCIPALS)[PrincipalKey]]>) {
    tokens[key] = `${key}-${randomBytes(16).toString('hex')}`;
    const file = join(dir, `token-${key}`);
    await writeFile(file, `${tokens[key]}\n`, { mode: 0o600 });
    entries.push({ ...principal, tokenFile: file });
  }
  const echoTokenFile = join(dir, 'echo-token');
  await writeFile(echoTokenFile, echo.token, { mode: 0o600 });
  document.auth = { tokens: entries };
  document.policies = [
    {
      id: 'short-lived',
      match: { environment: 'expiring', action: ['set-weight', 'complete'] },
      decision: 'REQUIRE_APPROVAL',
      approvers: ['alice'],
      expires: '3s',
    },
    {
      id: 'prod-advance-needs-approval',
      match: { environment: 'production', action: ['set-weight', 'complete'] },
      decision: 'REQUIRE_APPROVAL',
      approvers: ['alice', 'ops-admin', 'carol'],
      expires: '15m',
    },
    {
      id: 'no-manual-promote-in-prod',
      match: { environment: 'production', action: 'manual-promote' },
      decision: 'DENY',
      reason: 'production advances only through the analysis',
    },
  ];
  const sources = document.sources as Record<string, unknown>;
  sources.echo = { type: 'prometheus', url: echo.url, timeout: '1s', bearerTokenFile: echoTokenFile };
  await writeFile(config.file, stringify(document));
  await writeFile(join(config.templatesDir, 'e2e-fast.yaml'), fastTemplateYaml());
  await writeFile(
    join(config.templatesDir, `${ECHO_TEMPLATE}.yaml`),
    fastTemplateYaml({ name: ECHO_TEMPLATE, consecutiveErrorLimit: 100 }).replace('spec:\n', 'spec:\n  source: echo\n'),
  );
  return { tokens };
}

export interface Answer {
  status: number;
  body: Record<string, unknown> & { error?: { code: string; message: string } };
  text: string;
}

/** Every answer body seen, for the secret scan. */
export const answers: string[] = [];

export async function call(
  baseUrl: string,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  token: string | null,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    signal: AbortSignal.timeout(5_000),
    headers: {
      ...(token === null ? {} : { Authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  answers.push(text);
  return { status: response.status, body: JSON.parse(text) as Answer['body'], text };
}

/** Every window of `length` characters of each secret found in `text`. */
export function secretFragments(text: string, secrets: readonly string[], length = 8): string[] {
  const found = new Set<string>();
  for (const secret of secrets) {
    for (let start = 0; start + length <= secret.length; start += 1) {
      const piece = secret.slice(start, start + length);
      if (text.includes(piece)) found.add(piece);
    }
  }
  return [...found];
}
