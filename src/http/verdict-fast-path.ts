// The poller's fast path: `GET /v1/analyses/{id}/verdict` answered from the verdict cache before
// fastify sees the request. Deployment controllers poll this route far more often than anything
// else, and fastify's pipeline (request and reply objects, hooks, response listeners, params
// validation) costs more CPU per poll than the answer itself — a poll through fastify served 0.85×
// the polls of a bare fastify route, one answered here more than 1× (docs/daemon-load.md).
//
// It answers only what the fastify route would answer 200 with the same body and headers: a GET of
// exactly that path (no query string, no percent-encoding), an allowed Host, a bearer token of a
// principal with the `read` scope (when auth is on), a body in the cache, a server not closing, and
// not at debug level (where every request is logged). Anything else goes to fastify as before, which
// also answers every error.

import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { accessChecks, bearerTokenOf, hasAnyScope, hostName, READ_SCOPES, type AccessControl } from './auth.js';
import { VERDICT_CONTENT_TYPE } from './routes/verdict.js';

const PREFIX = '/v1/analyses/';
const SUFFIX = '/verdict';
/** fastify's default maxParamLength: a longer id is find-my-way's to refuse. */
const MAX_ID_LENGTH = 100;

export interface VerdictFastPathOptions {
  /** The cached body of an analysis' verdict, or undefined (then fastify answers). */
  peek: (id: string) => string | undefined;
  access: AccessControl;
  /** True while every request must go through fastify (its request log at debug). */
  logsEveryRequest: () => boolean;
}

export interface VerdictFastPath {
  /** Answers `request` and returns true, or returns false and leaves it untouched. */
  answer(request: IncomingMessage, response: ServerResponse): boolean;
  /** From now on every request goes to fastify (it answers 503 while closing). */
  close(): void;
}

function verdictId(url: string | undefined): string | null {
  if (url === undefined || !url.startsWith(PREFIX) || !url.endsWith(SUFFIX)) return null;
  const id = url.slice(PREFIX.length, url.length - SUFFIX.length);
  if (id === '' || id.length > MAX_ID_LENGTH || /[/?%#]/.test(id)) return null;
  return id;
}

export function verdictFastPath(options: VerdictFastPathOptions): VerdictFastPath {
  const { allowedHosts: allowed, matchToken } = accessChecks(options.access);
  let open = true;

  const permitted = (request: IncomingMessage): boolean => {
    if (allowed !== null && !allowed.has(hostName(request.headers.host))) return false;
    if (matchToken === null) return true;
    const token = bearerTokenOf(request.headers.authorization);
    const principal = token === null ? null : matchToken(token);
    return principal !== null && hasAnyScope(principal, READ_SCOPES);
  };

  return {
    answer(request, response) {
      if (!open || request.method !== 'GET') return false;
      const id = verdictId(request.url);
      if (id === null || options.logsEveryRequest() || !permitted(request)) return false;
      let body: string | undefined;
      try {
        body = options.peek(id);
      } catch {
        return false; // fastify's route reads the store and answers (or maps the error)
      }
      if (typeof body !== 'string') return false;
      response.writeHead(200, { 'content-type': VERDICT_CONTENT_TYPE, 'content-length': Buffer.byteLength(body) });
      response.end(body);
      return true;
    },
    close() {
      open = false;
    },
  };
}

/** fastify's server settings that it applies itself only to a server it creates. */
interface ServerSettings {
  keepAliveTimeout: number;
  requestTimeout: number;
  connectionTimeout: number;
  maxRequestsPerSocket: number | null;
}

/** A fastify serverFactory: the HTTP server fastify would make, with the fast path in front of its handler. */
export function fastPathServerFactory(fastPath: VerdictFastPath): (handler: RequestListener, options: Record<string, unknown>) => Server {
  return (handler, options) => {
    const settings = options as unknown as ServerSettings;
    const server = createServer((request, response) => {
      if (!fastPath.answer(request, response)) handler(request, response);
    });
    server.keepAliveTimeout = settings.keepAliveTimeout;
    server.requestTimeout = settings.requestTimeout;
    server.setTimeout(settings.connectionTimeout);
    if (settings.maxRequestsPerSocket !== null && settings.maxRequestsPerSocket > 0) server.maxRequestsPerSocket = settings.maxRequestsPerSocket;
    return server;
  };
}
