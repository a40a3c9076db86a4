// Checks and building of the control boundary's config: principals (auth.tokens), policies,
// server.allowedHosts, and the rule that an unauthenticated daemon listens on loopback only.

import { DEFAULT_APPROVAL_EXPIRY_MS } from '../control/policy.js';
import type { Policy, TokenPrincipal } from '../control/types.js';
import { isRecord, listOf, recordAt } from '../template/raw-data.js';
import { formatPath, type Path, type PathIssue } from '../template/yaml-source.js';
import type { PolicyDocument, TokenDocument } from './auth-schema.js';
import type { EngineThread, ServerConfig } from './schema.js';

/** 127.0.0.0/8, ::1 and localhost. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

function duplicates(items: unknown[], key: string, path: Path, what: string, issues: PathIssue[]): Set<string> {
  const seen = new Set<string>();
  items.forEach((item, index) => {
    const value = isRecord(item) ? item[key] : undefined;
    if (typeof value !== 'string') return;
    if (seen.has(value)) {
      const at = [...path, index, key];
      issues.push({ path: at, message: `${formatPath(at)}: duplicate ${what} "${value}"` });
    }
    seen.add(value);
  });
  return seen;
}

function checkTokens(tokens: unknown[], issues: PathIssue[]): void {
  tokens.forEach((token, index) => {
    if (!isRecord(token)) return;
    const path = ['auth', 'tokens', index];
    const given = ['tokenFile', 'tokenEnv'].filter((key) => token[key] !== undefined);
    if (given.length === 0)
      issues.push({ path, message: `${formatPath(path)}: needs tokenFile or tokenEnv (the bearer token itself is never written in the config)` });
    if (given.length > 1) {
      const second = [...path, 'tokenEnv'];
      issues.push({ path: second, at: 'key', message: `${formatPath(second)}: give only one of tokenFile, tokenEnv` });
    }
  });
}

function checkPolicies(policies: unknown[], principals: ReadonlySet<string>, authConfigured: boolean, issues: PathIssue[]): void {
  duplicates(policies, 'id', ['policies'], 'policy id', issues);
  policies.forEach((policy, index) => {
    if (!isRecord(policy)) return;
    const path = ['policies', index];
    if (policy.decision === 'REQUIRE_APPROVAL' && policy.approvers === undefined) {
      issues.push({ path: [...path, 'decision'], message: `${formatPath([...path, 'decision'])}: REQUIRE_APPROVAL needs approvers (principal names)` });
    }
    listOf(policy.approvers).forEach((approver, position) => {
      if (typeof approver !== 'string' || principals.has(approver)) return;
      const at = [...path, 'approvers', position];
      const known = authConfigured ? [...principals].sort().join(', ') || 'none' : 'none: auth.tokens is not configured';
      issues.push({ path: at, message: `${formatPath(at)}: "${approver}" is not a principal (auth.tokens names: ${known})` });
    });
  });
}

/** Problems of auth, policies and server.host that the schema cannot see. */
export function checkControlConfig(data: unknown): PathIssue[] {
  const issues: PathIssue[] = [];
  const auth = recordAt(data, 'auth');
  const authConfigured = isRecord(data) && data.auth !== undefined;
  const tokens = listOf(auth.tokens);
  checkTokens(tokens, issues);
  const principals = duplicates(tokens, 'name', ['auth', 'tokens'], 'principal name', issues);
  checkPolicies(isRecord(data) ? listOf(data.policies) : [], principals, authConfigured, issues);
  const host = recordAt(data, 'server').host;
  if (!authConfigured && typeof host === 'string' && !isLoopbackHost(host)) {
    issues.push({
      path: ['server', 'host'],
      message: `server.host: "${host}" is not a loopback address, and without auth anyone who reaches it could change deployments; configure auth.tokens or listen on 127.0.0.1`,
    });
  }
  return issues;
}

export function buildServerConfig(server: {
  host: string;
  port: number;
  allowedHosts?: string[] | undefined;
  engineThread?: EngineThread | undefined;
}): ServerConfig {
  const built: ServerConfig = { host: server.host, port: server.port };
  if (server.allowedHosts !== undefined) built.allowedHosts = server.allowedHosts;
  if (server.engineThread !== undefined) built.engineThread = server.engineThread;
  return built;
}

/** Tokens are filled in when the secrets are read. */
export function buildPrincipals(tokens: readonly TokenDocument[]): TokenPrincipal[] {
  return tokens.map((token) => ({ name: token.name, token: '', scopes: [...new Set(token.scopes)], environments: token.environments ?? null }));
}

function listed<T extends string>(value: T | T[] | undefined): T[] | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value : [value];
}

export function buildPolicies(policies: readonly PolicyDocument[]): Policy[] {
  return policies.map((policy) => {
    const match: Policy['match'] = {};
    const environment = listed(policy.match.environment);
    const service = listed(policy.match.service);
    const action = listed(policy.match.action);
    if (environment !== undefined) match.environment = environment;
    if (service !== undefined) match.service = service;
    if (action !== undefined) match.action = action;
    const built: Policy = {
      id: policy.id,
      match,
      decision: policy.decision,
      approvers: policy.approvers ?? [],
      expiresMs: policy.expires ?? DEFAULT_APPROVAL_EXPIRY_MS,
    };
    if (policy.reason !== undefined) built.reason = policy.reason;
    return built;
  });
}
