// Create, list and read analyses.

import { z } from 'zod';
import { DomainError } from '../../analysis/errors.js';
import type { AnalysisService, CreateAnalysisRequest } from '../../daemon/service-types.js';
import { CREATE_DESCRIPTION, LIST_DESCRIPTION } from '../openapi-text.js';
import { analysisListSchema, analysisViewSchema, createAnalysisBodySchema, listAnalysesQuerySchema } from '../schemas/analysis.js';
import { analysisIdParamsSchema, errorResponses, jsonResponse } from '../schemas/common.js';
import type { ZodFastifyInstance } from '../types.js';

const createHeadersSchema = z.object({
  'idempotency-key': z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe('Retry-safe create: the same key (per principal) answers the analysis created with it instead of starting another.'),
});

export function registerAnalysisRoutes(app: ZodFastifyInstance, service: AnalysisService): void {
  app.route({
    method: 'POST',
    url: '/v1/analyses',
    config: { scope: 'analyses:create' },
    schema: {
      operationId: 'createAnalysis',
      tags: ['analyses'],
      summary: 'Create and start an analysis',
      description: CREATE_DESCRIPTION,
      body: createAnalysisBodySchema,
      headers: createHeadersSchema,
      response: {
        201: jsonResponse(
          analysisViewSchema,
          'The created analysis (or, with a known Idempotency-Key, the one created before); poll its verdict or follow its events.',
        ),
        ...errorResponses([400, 401, 403, 409, 413, 415, 422, 500, 503]),
      },
    },
    handler: async (request, reply) => {
      const { template, args, mode, adapter, target, artifact, previousVersion } = request.body;
      const creation: CreateAnalysisRequest = { template, args, mode, target };
      if (adapter !== undefined) creation.adapter = adapter;
      if (artifact !== undefined) creation.artifact = artifact;
      if (previousVersion !== undefined) creation.previousVersion = previousVersion;
      const key = request.headers['idempotency-key'];
      const view = await service.create(creation, { principal: request.principal, ...(key === undefined ? {} : { idempotencyKey: key }) });
      return reply.code(201).send(view);
    },
  });

  app.route({
    method: 'GET',
    url: '/v1/analyses',
    schema: {
      operationId: 'listAnalyses',
      tags: ['analyses'],
      summary: 'List analyses, oldest first, a page at a time',
      description: LIST_DESCRIPTION,
      querystring: listAnalysesQuerySchema,
      response: {
        200: jsonResponse(analysisListSchema, 'One page of analyses (summaries), oldest first, and the cursor of the next page.'),
        ...errorResponses([400, 500, 503]),
      },
    },
    handler: async (request) => {
      const { limit, cursor, ...filters } = request.query;
      const defined = Object.fromEntries(Object.entries(filters).filter(([, value]) => value !== undefined));
      try {
        return await service.listPage({ ...defined, limit, ...(cursor === undefined ? {} : { cursor }) });
      } catch (error) {
        // The store names its argument; the client sent it as a query parameter.
        if (error instanceof DomainError && error.code === 'invalid-request' && error.field === 'cursor') {
          throw new DomainError('invalid-request', error.message, 'query.cursor');
        }
        throw error;
      }
    },
  });

  app.route({
    method: 'GET',
    url: '/v1/analyses/:id',
    schema: {
      operationId: 'getAnalysis',
      tags: ['analyses'],
      summary: 'One analysis, with its latest verdict and evidence',
      params: analysisIdParamsSchema,
      response: {
        200: jsonResponse(analysisViewSchema, 'The analysis.'),
        ...errorResponses([404, 500, 503]),
      },
    },
    handler: async (request) => service.get(request.params.id),
  });
}
