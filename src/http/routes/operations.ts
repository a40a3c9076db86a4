// Metrics, liveness, readiness, and the OpenAPI document itself.

import type { Readable } from 'node:stream';
import { z } from 'zod';

import type { AnalysisService } from '../../daemon/service-types.js';
import { errorResponses, jsonResponse } from '../schemas/common.js';
import { healthSchema, readySchema } from '../schemas/operations.js';
import type { ZodFastifyInstance } from '../types.js';

/** The exposition text, whole or as a stream (sent as it is produced). */
export type MetricsExposition = () => Promise<{ contentType: string; body: string | Readable }>;

export function registerOperationRoutes(app: ZodFastifyInstance, deps: { service: AnalysisService; metrics: MetricsExposition; version?: string }): void {
  app.route({
    method: 'GET',
    url: '/metrics',
    logLevel: 'warn',
    schema: {
      operationId: 'getMetrics',
      tags: ['operations'],
      summary: 'Gate metrics in the Prometheus text exposition format',
      response: {
        200: {
          description: 'Prometheus text format (text/plain; version=0.0.4).',
          content: { 'text/plain': { schema: z.string() } },
        },
        ...errorResponses([500]),
      },
    },
    handler: async (_request, reply) => {
      const { contentType, body } = await deps.metrics();
      // fastify pipes a stream as it is; the typed reply knows only the schema's string.
      return reply
        .code(200)
        .type(contentType)
        .send(typeof body === 'string' ? body : (body as unknown as string));
    },
  });

  app.route({
    method: 'GET',
    url: '/healthz',
    logLevel: 'warn',
    schema: {
      operationId: 'getHealth',
      tags: ['operations'],
      summary: 'Liveness: 200 while the process serves requests',
      response: { 200: jsonResponse(healthSchema, 'Alive.') },
    },
    handler: async () => (deps.version === undefined ? { status: 'ok' as const } : { status: 'ok' as const, version: deps.version }),
  });

  app.route({
    method: 'GET',
    url: '/readyz',
    logLevel: 'warn',
    schema: {
      operationId: 'getReadiness',
      tags: ['operations'],
      summary: 'Readiness: 200 when the daemon can serve analyses, 503 (code not-ready) otherwise',
      response: {
        200: jsonResponse(readySchema, 'Ready to serve analyses.'),
        ...errorResponses([503], { 503: 'Not ready (code not-ready); the message says why.' }),
      },
    },
    handler: async (request, reply) => {
      let reason: string;
      try {
        const readiness = await deps.service.ready();
        if (readiness.ready) return reply.code(200).send({ status: 'ready' as const });
        reason = readiness.reason ?? 'not ready';
      } catch (error) {
        request.log.error({ err: error }, 'readiness check failed');
        reason = 'the readiness check failed; the details are in the daemon log';
      }
      return reply.code(503).send({ error: { code: 'not-ready', message: reason } });
    },
  });
}
