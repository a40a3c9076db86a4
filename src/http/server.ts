// The HTTP API of canaryd (architecture §5). buildServer wires routes, schemas, the OpenAPI
// document and the one error handler; listening is the composition root's business.

import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';

import type { AnalysisService } from '../daemon/service-types.js';
import { DomainError } from '../analysis/errors.js';
import type { ControlService } from '../daemon/control-service.js';
import { registerAccessControl, type AccessControl } from './auth.js';
import { mapError } from './error-mapping.js';
import { lazyChildren } from './lazy-child-logger.js';
import { registerControlRoutes } from './routes/control.js';
import { registerGateRoutes } from './routes/gates.js';
import { registerReleaseRoutes } from './routes/releases.js';
import type { ReleaseService } from '../daemon/release-types.js';
import type { GateService } from '../daemon/gates.js';
import { registerOpenApi } from './openapi.js';
import { registerAnalysisRoutes } from './routes/analyses.js';
import { registerOperationRoutes, type MetricsExposition } from './routes/operations.js';
import { registerAnalysisDetailRoutes } from './routes/verdict.js';
import { registerReportRoutes } from './routes/report.js';
import { fastPathServerFactory, verdictFastPath } from './verdict-fast-path.js';
import { jsonCheckingSerializerCompiler } from './serializer.js';

/** Requests are small JSON documents; anything bigger is refused with 413. */
export const DEFAULT_BODY_LIMIT_BYTES = 64 * 1024;
const ECHOED_URL_MAX = 200;

export interface ServerDeps {
  service: AnalysisService;
  /** The Prometheus exposition of the daemon's Registry (content type and text). */
  metrics: MetricsExposition;
  /** A pino logger (request logs, failures); false or absent: no logging. */
  logger?: FastifyBaseLogger | false;
  /** canaryd's version, shown in /openapi.json and /healthz. */
  version?: string;
  bodyLimit?: number;
  /** Bearer auth and the Host check (default: open, no Host check). */
  access?: AccessControl;
  /** Approvals and freezes; absent: their routes are not served. */
  control?: ControlService;
  /** Argo Rollouts and Flagger gates; absent: their routes are not served. */
  gates?: GateService;
  /** Release records, rollbacks, checks and gate reports (issue 9); absent: their routes are not served. */
  releases?: ReleaseService;
}

function createFastify(deps: ServerDeps): FastifyInstance {
  const logger = deps.logger === undefined || deps.logger === false ? undefined : deps.logger;
  const peek = deps.service.peekVerdictBody?.bind(deps.service);
  const fastPath =
    peek === undefined
      ? undefined
      : verdictFastPath({
          peek,
          access: deps.access ?? OPEN_ACCESS,
          logsEveryRequest: logger === undefined ? () => false : () => logsAtDebug(logger),
        });
  const common = {
    bodyLimit: deps.bodyLimit ?? DEFAULT_BODY_LIMIT_BYTES,
    ...(fastPath === undefined ? {} : { serverFactory: fastPathServerFactory(fastPath) }),
  };
  const app =
    logger === undefined
      ? Fastify({ ...common, logger: false })
      : // fastify's own request logs (two info lines per request) cost a fifth of a poll's time; see logRequests.
        Fastify({ ...common, loggerInstance: lazyChildren(logger), logController: new LogController({ disableRequestLogging: true }) });
  if (logger !== undefined) logRequests(app, logger);
  if (fastPath !== undefined) {
    app.addHook('preClose', (done) => {
      fastPath.close();
      done();
    });
  }
  return app;
}

const OPEN_ACCESS: AccessControl = { principals: null, allowedHosts: null };

function logsAtDebug(logger: FastifyBaseLogger): boolean {
  return logger.level === 'debug' || logger.level === 'trace';
}

const SLOW_REQUEST_MS = 1_000;

/**
 * One line per request, after it: at info when it failed (4xx/5xx) or was slow, at debug otherwise
 * (pollers ask many times a second). The path only: a query string may carry a token (Flagger's
 * ?access_token=).
 */
function logRequests(app: FastifyInstance, logger: FastifyBaseLogger): void {
  app.addHook('onResponse', async (request, reply) => {
    const status = reply.statusCode;
    const ms = reply.elapsedTime;
    const notable = status >= 400 || ms >= SLOW_REQUEST_MS;
    if (!notable && !logsAtDebug(logger)) return;
    const fields = { method: request.method, path: (request.url.split('?')[0] ?? '').slice(0, ECHOED_URL_MAX), status, ms: Math.round(ms * 10) / 10 };
    if (notable) request.log.info(fields, 'request');
    else request.log.debug(fields, 'request');
  });
}

function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const mapped = mapError(error);
  const { code } = mapped.body.error;
  if (mapped.logLevel === 'error') {
    request.log.error({ err: error, status: mapped.status }, 'request failed unexpectedly');
  } else if (mapped.logLevel === 'warn') {
    request.log.warn({ err: error, status: mapped.status, code }, 'request failed');
  } else {
    request.log.info({ status: mapped.status, code, field: mapped.body.error.field }, 'request refused');
  }
  if (mapped.status === 401) void reply.header('WWW-Authenticate', 'Bearer realm="canaryd"');
  return reply.code(mapped.status).send(mapped.body);
}

function handleNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const path = (request.url.split('?')[0] ?? '').slice(0, ECHOED_URL_MAX);
  return reply.code(404).send({ error: { code: 'not-found', message: `no route ${request.method} ${path}` } });
}

const POISONED_KEY = /"(__proto__|constructor)"\s*:/;

/** fastify's JSON parser, with a refusal that says why a `__proto__` (or constructor.prototype) key is refused. */
function registerJsonParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    parse(request, text, (error, value) => {
      const key = error === null ? undefined : POISONED_KEY.exec(text)?.[1];
      if (key !== undefined) {
        const message = `request body has a "${key}" key, which is refused (prototype pollution); remove it`;
        done(new DomainError('invalid-request', message, key), undefined);
        return;
      }
      done(error, value);
    });
  });
}

export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const app = createFastify(deps);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(jsonCheckingSerializerCompiler);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(handleNotFound);
  // Bodies are JSON only: without this, fastify would hand a text/plain body to validation (400)
  // where 415 tells the client what is wrong.
  app.removeContentTypeParser('text/plain');
  registerJsonParser(app);

  await registerOpenApi(app, deps.version ?? '0.0.0');
  registerAccessControl(app, deps.access ?? OPEN_ACCESS);

  const typed = app.withTypeProvider<ZodTypeProvider>();
  registerAnalysisRoutes(typed, deps.service);
  registerAnalysisDetailRoutes(typed, deps.service);
  registerReportRoutes(typed, deps.service);
  if (deps.control !== undefined) registerControlRoutes(typed, deps.control);
  if (deps.gates !== undefined) registerGateRoutes(typed, deps.gates);
  if (deps.releases !== undefined) registerReleaseRoutes(typed, deps.releases);
  const operations = { service: deps.service, metrics: deps.metrics };
  registerOperationRoutes(typed, deps.version === undefined ? operations : { ...operations, version: deps.version });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}
