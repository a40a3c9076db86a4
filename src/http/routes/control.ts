// Approvals (scope approve to decide) and freezes (scope admin to create or lift).

import type { ControlService } from '../../daemon/control-service.js';
import { errorResponses, jsonResponse } from '../schemas/common.js';
import {
  approvalDecisionBodySchema,
  approvalListSchema,
  approvalQuerySchema,
  approvalSchema,
  freezeBodySchema,
  freezeListSchema,
  freezeSchema,
  idParamsSchema,
} from '../schemas/control.js';
import { eventListSchema } from '../schemas/events.js';
import type { ZodFastifyInstance } from '../types.js';

export function registerControlRoutes(app: ZodFastifyInstance, control: ControlService): void {
  app.route({
    method: 'GET',
    url: '/v1/approvals',
    schema: {
      operationId: 'listApprovals',
      tags: ['control'],
      summary: 'Approval requests, oldest first (e.g. ?state=pending)',
      querystring: approvalQuerySchema,
      response: { 200: jsonResponse(approvalListSchema, 'The approval requests.'), ...errorResponses([400, 401, 403, 500, 503]) },
    },
    handler: async (request) => ({ approvals: await control.listApprovals(request.query.state) }),
  });

  app.route({
    method: 'POST',
    url: '/v1/approvals/:id',
    config: { scope: 'approve' },
    schema: {
      operationId: 'decideApproval',
      tags: ['control'],
      summary: 'Approve or reject a request (never by who created the analysis or asked for the action)',
      description:
        'approve: exactly the bound call is made, with the idempotency key of the approved evidence. reject: the advance does ' +
        'not happen and the analysis pauses (rule approval-rejected). 403 self-approval, 403 forbidden (not an approver), ' +
        '404 not-found, 409 approval-expired or approval-decided, 409 frozen.',
      params: idParamsSchema,
      body: approvalDecisionBodySchema,
      response: { 200: jsonResponse(approvalSchema, 'The decided approval.'), ...errorResponses([400, 401, 403, 404, 409, 413, 415, 500, 503]) },
    },
    handler: async (request) => control.decideApproval(request.params.id, request.body, request.principal),
  });

  app.route({
    method: 'POST',
    url: '/v1/freezes',
    config: { scope: 'admin' },
    schema: {
      operationId: 'createFreeze',
      tags: ['control'],
      summary: 'Kill switch: stop every set-weight and complete of the analyses the scope covers',
      body: freezeBodySchema,
      response: { 201: jsonResponse(freezeSchema, 'The freeze, active.'), ...errorResponses([400, 401, 403, 413, 415, 500, 503]) },
    },
    handler: async (request, reply) => reply.code(201).send(await control.createFreeze(request.body, request.principal)),
  });

  app.route({
    method: 'GET',
    url: '/v1/freezes',
    schema: {
      operationId: 'listFreezes',
      tags: ['control'],
      summary: 'Every freeze, active and lifted, oldest first',
      response: { 200: jsonResponse(freezeListSchema, 'The freezes.'), ...errorResponses([401, 403, 500, 503]) },
    },
    handler: async () => ({ freezes: await control.listFreezes() }),
  });

  app.route({
    method: 'DELETE',
    url: '/v1/freezes/:id',
    config: { scope: 'admin' },
    schema: {
      operationId: 'liftFreeze',
      tags: ['control'],
      summary: 'Lift a freeze',
      params: idParamsSchema,
      response: { 200: jsonResponse(freezeSchema, 'The freeze, lifted.'), ...errorResponses([401, 403, 404, 409, 500, 503]) },
    },
    handler: async (request) => control.liftFreeze(request.params.id, request.principal),
  });

  app.route({
    method: 'GET',
    url: '/v1/control/events',
    schema: {
      operationId: 'listControlEvents',
      tags: ['control'],
      summary: 'The hash-chained trail of freezes (created, lifted)',
      response: { 200: jsonResponse(eventListSchema, 'The control trail.'), ...errorResponses([401, 403, 500, 503]) },
    },
    handler: async () => ({ events: await control.controlEvents() }),
  });
}
