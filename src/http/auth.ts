// The control boundary at the HTTP edge: the Host check (no DNS rebinding from a browser) and
// bearer authentication with scopes on every /v1 route. Tokens are compared in constant time
// (sha256 of both, then timingSafeEqual, against every principal) and never logged.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DomainError } from '../analysis/errors.js';
import type { Principal, Scope, TokenPrincipal } from '../control/types.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller; null when the daemon runs without auth (loopback only). */
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** The scope a /v1 route needs (a list: any one of them); GET routes default to `read`. */
    scope?: Scope | readonly Scope[];
  }
}

export interface AccessControl {
  /** null: no authentication (the daemon is open, on a loopback host only). */
  principals: readonly TokenPrincipal[] | null;
  /** Host header names accepted on /v1 routes (without port); null: no check. */
  allowedHosts: readonly string[] | null;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Finds the principal whose token equals the presented one, comparing against every one (no early
 * exit). The principals' digests are made once: hashing each token on every request cost ≈ 1.3 µs
 * per principal, more than the rest of a verdict poll.
 */
export function tokenMatcher(principals: readonly TokenPrincipal[]): (presented: string) => TokenPrincipal | null {
  const digests = principals.map((principal) => ({ principal, digest: digest(principal.token) }));
  return (presented) => {
    const wanted = digest(presented);
    let found: TokenPrincipal | null = null;
    for (const entry of digests) {
      if (timingSafeEqual(entry.digest, wanted) && found === null) found = entry.principal;
    }
    return found;
  };
}

export function findPrincipal(principals: readonly TokenPrincipal[], presented: string): TokenPrincipal | null {
  return tokenMatcher(principals)(presented);
}

/** The host name of a Host header, lower case, without port ("[::1]:8080" → "::1"). */
export function hostName(header: string | undefined): string {
  const value = (header ?? '').trim().toLowerCase();
  if (value.startsWith('[')) return value.slice(1, value.indexOf(']') === -1 ? undefined : value.indexOf(']'));
  const colon = value.lastIndexOf(':');
  return colon === -1 ? value : value.slice(0, colon);
}

export function defaultAllowedHosts(listenHost: string): string[] {
  return [...new Set([listenHost.replace(/^\[|\]$/g, '').toLowerCase(), 'localhost', '127.0.0.1', '::1'])];
}

/** Routes whose callers cannot send headers (Flagger webhooks): the token may come as ?access_token= (RFC 6750 §2.3). */
const QUERY_TOKEN_PREFIX = '/v1/gates/flagger/';

function queryToken(request: FastifyRequest): string | null {
  if (!request.url.startsWith(QUERY_TOKEN_PREFIX)) return null;
  const value = (request.query as Record<string, unknown> | undefined)?.access_token;
  return typeof value === 'string' && value !== '' ? value : null;
}

/** The token of an `Authorization: Bearer <token>` header; null for any other value. */
export function bearerTokenOf(header: string | undefined): string | null {
  if (typeof header !== 'string') return null;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match?.[1] ?? null;
}

function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  return typeof header === 'string' ? bearerTokenOf(header) : queryToken(request);
}

/** The scopes a GET or HEAD /v1 route needs unless its config names others. */
export const READ_SCOPES: readonly Scope[] = ['read'];

function requiredScopes(request: FastifyRequest): readonly Scope[] | undefined {
  const configured = request.routeOptions.config.scope;
  if (configured !== undefined) return typeof configured === 'string' ? [configured] : configured;
  return request.method === 'GET' || request.method === 'HEAD' ? READ_SCOPES : undefined;
}

export function hasAnyScope(principal: TokenPrincipal, scopes: readonly Scope[]): boolean {
  return scopes.some((scope) => principal.scopes.includes(scope));
}

/** What `access` checks, made once: the allowed Host names (null: no check) and the token matcher (null: no auth). */
export interface AccessChecks {
  allowedHosts: ReadonlySet<string> | null;
  matchToken: ((presented: string) => TokenPrincipal | null) | null;
}

export function accessChecks(access: AccessControl): AccessChecks {
  return {
    allowedHosts: access.allowedHosts === null ? null : new Set(access.allowedHosts.map((host) => host.toLowerCase())),
    matchToken: access.principals === null ? null : tokenMatcher(access.principals),
  };
}

export function isApiPath(url: string): boolean {
  return url === '/v1' || url.startsWith('/v1/') || url.startsWith('/v1?');
}

export function registerAccessControl(app: FastifyInstance, access: AccessControl): void {
  app.decorateRequest('principal', null);
  const { allowedHosts: allowed, matchToken } = accessChecks(access);
  app.addHook('onRequest', async (request) => {
    if (!isApiPath(request.url)) return;
    if (allowed !== null && !allowed.has(hostName(request.headers.host))) {
      throw new DomainError(
        'misdirected-request',
        `Host "${hostName(request.headers.host).slice(0, 100)}" is not served here (server.allowedHosts: ${[...allowed].join(', ')})`,
      );
    }
    if (matchToken === null) return;
    const presented = bearerToken(request);
    const principal = presented === null ? null : matchToken(presented);
    if (principal === null) {
      const why = presented === null ? 'missing Authorization: Bearer <token>' : 'unknown bearer token';
      throw new DomainError('unauthenticated', `${why}; every /v1 request needs a token named in auth.tokens`);
    }
    request.principal = { name: principal.name, scopes: principal.scopes, environments: principal.environments };
    const scopes = requiredScopes(request);
    if (scopes === undefined || !hasAnyScope(principal, scopes)) {
      const wanted = scopes === undefined ? 'for this route' : scopes.join(' or ');
      throw new DomainError('forbidden', `principal ${principal.name} lacks the scope ${wanted} (has: ${principal.scopes.join(', ')})`);
    }
  });
}
