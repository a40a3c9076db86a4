// The poller's endpoint, manual actions and the audit trail of one analysis.

import type { AnalysisService, VerdictView } from '../../daemon/service-types.js';
import { ACTIONS_DESCRIPTION, EVENTS_DESCRIPTION, VERDICT_DESCRIPTION } from '../openapi-text.js';
import { manualActionBodySchema } from '../schemas/actions.js';
import { analysisViewSchema } from '../schemas/analysis.js';
import { analysisIdParamsSchema, errorResponses, jsonResponse } from '../schemas/common.js';
import { eventListSchema } from '../schemas/events.js';
import { verdictViewSchema } from '../schemas/verdict.js';
import type { ZodFastifyInstance } from '../types.js';

/** The verdict body's content type (the fast path, src/http/verdict-fast-path.ts, answers with it too). */
export const VERDICT_CONTENT_TYPE = 'application/json; charset=utf-8';

/** What the route's serializer would send: the JSON round trip, checked against the response schema. */
function serializeVerdict(view: VerdictView): string {
  return JSON.stringify(verdictViewSchema.parse(JSON.parse(JSON.stringify(view))));
}

export function registerAnalysisDetailRoutes(app: ZodFastifyInstance, service: AnalysisService): void {
  app.route({
    method: 'GET',
    url: '/v1/analyses/:id/verdict',
    schema: {
      operationId: 'getVerdict',
      tags: ['analyses'],
      summary: 'The current verdict (for pollers; always 200 for a known analysis)',
      description: VERDICT_DESCRIPTION,
      params: analysisIdParamsSchema,
      response: {
        200: jsonResponse(verdictViewSchema, 'The current verdict (in every phase of a known analysis).'),
        ...errorResponses([404, 500, 503]),
      },
    },
    handler: async (request, reply) => {
      if (service.verdictBody === undefined) return service.verdict(request.params.id);
      // A string body with a JSON content type is sent as is: checked against the schema once per version, not per poll.
      const body = await service.verdictBody(request.params.id, serializeVerdict);
      return reply.type(VERDICT_CONTENT_TYPE).send(body as unknown as VerdictView);
    },
  });

  app.route({
    method: 'POST',
    url: '/v1/analyses/:id/actions',
    config: { scope: 'actions' },
    schema: {
      operationId: 'actOnAnalysis',
      tags: ['analyses'],
      summary: 'Pause, resume, abort or promote an analysis by hand',
      description: ACTIONS_DESCRIPTION,
      params: analysisIdParamsSchema,
      body: manualActionBodySchema,
      response: {
        200: jsonResponse(analysisViewSchema, 'The analysis after the action.'),
        ...errorResponses([400, 401, 403, 404, 409, 413, 415, 500, 503]),
      },
    },
    handler: async (request) => {
      const { action, reason, actor } = request.body;
      return service.act(request.params.id, { action, reason, actor }, { principal: request.principal });
    },
  });

  app.route({
    method: 'GET',
    url: '/v1/analyses/:id/events',
    schema: {
      operationId: 'listEvents',
      tags: ['analyses'],
      summary: 'The hash-chained audit trail of an analysis',
      description: EVENTS_DESCRIPTION,
      params: analysisIdParamsSchema,
      response: {
        200: jsonResponse(eventListSchema, 'The events, in seq order.'),
        ...errorResponses([404, 500, 503]),
      },
    },
    handler: async (request) => ({ events: await service.events(request.params.id) }),
  });
}
