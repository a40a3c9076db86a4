// Release records, rollbacks to a named version, checks (non-metric gate inputs) and the gate report (issue 9).

import type { ReleaseService } from '../../daemon/release-types.js';
import { analysisIdParamsSchema, errorResponses, jsonResponse } from '../schemas/common.js';
import { idParamsSchema } from '../schemas/control.js';
import {
  checkBodySchema,
  checkParamsSchema,
  gateReportSchema,
  postedCheckSchema,
  releaseListQuerySchema,
  releaseListSchema,
  releaseRecordSchema,
  rollbackAnswerSchema,
  rollbackBodySchema,
} from '../schemas/releases.js';
import type { ZodFastifyInstance } from '../types.js';

export function registerReleaseRoutes(app: ZodFastifyInstance, releases: ReleaseService): void {
  app.route({
    method: 'GET',
    url: '/v1/releases',
    schema: {
      operationId: 'listReleases',
      tags: ['releases'],
      summary: 'The releases of a service in an environment, newest first',
      querystring: releaseListQuerySchema,
      response: { 200: jsonResponse(releaseListSchema, 'One page of releases, newest first.'), ...errorResponses([400, 401, 403, 500, 503]) },
    },
    handler: async (request) => {
      const { service, environment, limit, before } = request.query;
      return releases.list({ service, environment, ...(limit === undefined ? {} : { limit }), ...(before === undefined ? {} : { before }) });
    },
  });

  app.route({
    method: 'GET',
    url: '/v1/releases/:id',
    schema: {
      operationId: 'getRelease',
      tags: ['releases'],
      summary: 'One release record: template hash, policy decisions, approvals, every decision with its evidence',
      params: idParamsSchema,
      response: { 200: jsonResponse(releaseRecordSchema, 'The release record.'), ...errorResponses([401, 403, 404, 500, 503]) },
    },
    handler: async (request) => releases.get(request.params.id),
  });

  app.route({
    method: 'POST',
    url: '/v1/releases/rollback',
    config: { scope: 'releases:rollback' },
    schema: {
      operationId: 'rollbackRelease',
      tags: ['releases'],
      summary: 'Roll a service back to a version released before, with a reason',
      description:
        "Calls the drive adapter of the target's latest drive-mode analysis with action rollback; the webhook body carries " +
        'toVersion, actor and reason. Subject to policies (action rollback). Recorded as a release-rollback event. ' +
        '404 not-found when toVersion was never released for the target; 409 no-drive-analysis when no analysis of the ' +
        'target has an adapter; 403 policy-denied.',
      body: rollbackBodySchema,
      response: {
        202: jsonResponse(rollbackAnswerSchema, 'The rollback, recorded; its adapter call is under way.'),
        ...errorResponses([400, 401, 403, 404, 409, 413, 415, 500, 503]),
      },
    },
    handler: async (request, reply) => reply.code(202).send({ rollback: await releases.rollback(request.body, request.principal) }),
  });

  app.route({
    method: 'POST',
    url: '/v1/analyses/:id/checks/:name',
    config: { scope: ['checks:write', 'analyses:create'] },
    schema: {
      operationId: 'postCheck',
      tags: ['analyses'],
      summary: 'Post evidence for a check (spec.checks), read by rules as checks.NAME.FIELD',
      description:
        'Every declared field, with its declared type, and no other (400 naming the field). 404 unknown-check for a check ' +
        "the template does not declare. The evidence is a `check` event of the trail and part of later verdicts' evidence hash.",
      params: checkParamsSchema,
      body: checkBodySchema,
      response: { 200: jsonResponse(postedCheckSchema, 'The evidence, as stored.'), ...errorResponses([400, 401, 403, 404, 409, 413, 415, 500, 503]) },
    },
    handler: async (request) => {
      const { values, source, digest } = request.body;
      const check = await releases.postCheck(
        request.params.id,
        request.params.name,
        { values, source, ...(digest === undefined ? {} : { digest }) },
        request.principal,
      );
      return { check };
    },
  });

  app.route({
    method: 'GET',
    url: '/v1/analyses/:id/gate',
    schema: {
      operationId: 'getGateReport',
      tags: ['analyses'],
      summary: "Seed 002's gate report: blockers from the latest verdict's conditions, owners, decision",
      params: analysisIdParamsSchema,
      response: { 200: jsonResponse(gateReportSchema, 'The gate report.'), ...errorResponses([401, 403, 404, 500, 503]) },
    },
    handler: async (request) => releases.gateReport(request.params.id),
  });
}
