// Gates for deployment controllers: the Argo Rollouts web provider's get-or-create poll, the
// controller's observed weight, and Flagger's webhooks (issue 10 items 1–3).
// Scopes: creating gates (argo, flagger) need analyses:create (they may create the analysis);
// observed-weight changes what canaryd judges, so it needs analyses:create too.

import type { FlaggerHookType, GateService } from '../../daemon/gates.js';
import { FLAGGER_HOOK_TYPES } from '../../daemon/gates.js';
import { DomainError } from '../../analysis/errors.js';
import { ARGO_GATE_DESCRIPTION, FLAGGER_GATE_DESCRIPTION, OBSERVED_WEIGHT_DESCRIPTION } from '../openapi-gates.js';
import { analysisIdParamsSchema, errorResponses, jsonResponse } from '../schemas/common.js';
import {
  argoGateBodySchema,
  flaggerAnswerSchema,
  flaggerPayloadSchema,
  flaggerQuerySchema,
  flaggerTypeParamsSchema,
  gateVerdictSchema,
  observedWeightBodySchema,
  weightQuerySchema,
} from '../schemas/gates.js';
import type { ZodFastifyInstance } from '../types.js';

function hookType(type: string): FlaggerHookType {
  const known = FLAGGER_HOOK_TYPES.find((candidate) => candidate === type);
  if (known === undefined) {
    throw new DomainError('unknown-gate', `no Flagger webhook type "${type.slice(0, 60)}"; canaryd serves ${FLAGGER_HOOK_TYPES.join(', ')}`, 'type');
  }
  return known;
}

export function registerGateRoutes(app: ZodFastifyInstance, gates: GateService): void {
  app.route({
    method: 'POST',
    url: '/v1/gates/argo',
    config: { scope: 'analyses:create' },
    schema: {
      operationId: 'argoGate',
      tags: ['gates'],
      summary: 'Argo Rollouts web provider: get-or-create the analysis of a rollout revision, answer its verdict',
      description: ARGO_GATE_DESCRIPTION,
      body: argoGateBodySchema,
      querystring: weightQuerySchema,
      response: {
        200: jsonResponse(gateVerdictSchema, 'The verdict of the analysis of this rollout+revision (created by the first poll).'),
        ...errorResponses([400, 401, 403, 409, 413, 415, 422, 500, 503]),
      },
    },
    handler: async (request) => {
      const { template, args, target, rollout, revision, artifact, previousVersion } = request.body;
      const weight = request.body.weight ?? request.query.weight;
      const release = { ...(artifact === undefined ? {} : { artifact }), ...(previousVersion === undefined ? {} : { previousVersion }) };
      return gates.argo(
        { template, args, target, rollout, revision, ...(weight === undefined ? {} : { weight }), ...release },
        { principal: request.principal },
      );
    },
  });

  app.route({
    method: 'POST',
    url: '/v1/analyses/:id/observed-weight',
    config: { scope: 'analyses:create' },
    schema: {
      operationId: 'reportObservedWeight',
      tags: ['gates'],
      summary: "Report the controller's weight to an analysis in observe mode",
      description: OBSERVED_WEIGHT_DESCRIPTION,
      params: analysisIdParamsSchema,
      body: observedWeightBodySchema,
      response: {
        200: jsonResponse(gateVerdictSchema, 'The verdict after the weight was taken into account.'),
        ...errorResponses([400, 401, 403, 404, 409, 413, 415, 500, 503], {
          409: 'not-observe-mode: the analysis is in drive mode (canaryd sets its weight), or a concurrent update won.',
        }),
      },
    },
    handler: async (request) => gates.observeWeight(request.params.id, request.body.weight, { principal: request.principal }),
  });

  app.route({
    method: 'POST',
    url: '/v1/gates/flagger/:type',
    config: { scope: 'analyses:create' },
    schema: {
      operationId: 'flaggerGate',
      tags: ['gates'],
      summary: 'Flagger webhooks: 200 passes (rollback: roll back now), 412 does not',
      description: FLAGGER_GATE_DESCRIPTION,
      params: flaggerTypeParamsSchema,
      querystring: flaggerQuerySchema,
      body: flaggerPayloadSchema,
      response: {
        200: jsonResponse(flaggerAnswerSchema, 'Passed (for rollback: roll back now).'),
        412: jsonResponse(flaggerAnswerSchema, 'Not passed (for rollback: do not roll back).'),
        ...errorResponses([400, 401, 403, 404, 413, 415, 422, 500, 503], {
          400: 'A malformed payload, or metadata canaryd needs to create the analysis (`field`: metadata.template, metadata.environment). Flagger reads it as not passed; for rollback, as no rollback.',
          404: 'unknown-gate: not a Flagger webhook type.',
        }),
      },
    },
    handler: async (request, reply) => {
      const type = hookType(request.params.type);
      const answer = await gates.flagger(type, request.body, { principal: request.principal });
      return reply.code(answer.status).send({ type: answer.type, passed: answer.passed, reason: answer.reason, verdict: answer.verdict });
    },
  });
}
