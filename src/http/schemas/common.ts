// Building blocks shared by the request and response schemas of the HTTP API.
// Schemas with an `id` become components of /openapi.json (zod's global registry is where
// fastify-type-provider-zod looks for them).

import { z } from 'zod';

export const PHASES = ['pending', 'running', 'paused', 'awaiting-approval', 'succeeded', 'aborted', 'failed'] as const;
export const VERDICT_ACTIONS = ['abort', 'hold', 'promote', 'continue'] as const;
export const RULE_GROUPS = ['abort', 'hold', 'promote'] as const;
export const MODES = ['drive', 'observe'] as const;

export const phaseSchema = z.enum(PHASES).meta({
  id: 'Phase',
  description: 'Lifecycle phase: pending → running → (paused ⇄ running) → succeeded | aborted | failed. ' + 'succeeded, aborted and failed are final.',
});

export const verdictActionSchema = z.enum(VERDICT_ACTIONS).meta({
  id: 'VerdictAction',
  description:
    'abort: roll back now · hold: do not advance · promote: advance (a succeeded analysis answers promote) · ' +
    'continue: nothing decided yet, keep observing.',
});

export const modeSchema = z.enum(MODES).meta({
  id: 'Mode',
  description:
    'drive: canaryd owns the traffic steps and calls its deployment adapter · observe: a controller owns ' +
    'the steps; canaryd only judges and answers the verdict endpoint.',
});

export const ruleRefSchema = z
  .object({
    id: z
      .string()
      .describe(
        'Rule id from the template, or a built-in one: step-timeout, source-errors, adapter-failed, manual, ' +
          'policy-denied, approval-expired, approval-rejected, freeze.',
      ),
    group: z.enum([...RULE_GROUPS, 'builtin']).describe('Rule group; built-in rules have group builtin.'),
  })
  .meta({ id: 'RuleRef', description: 'The rule that decided.' });

export const targetSchema = z
  .object({
    service: z.string(),
    environment: z.string(),
    version: z.string(),
  })
  .meta({ id: 'Target', description: 'What is being deployed: service, environment and the canary version.' });

export const timestampSchema = z.iso
  .datetime({ offset: true })
  .meta({ id: 'Timestamp', description: 'ISO 8601 date and time, e.g. 2025-03-01T12:00:00.000Z.' });

export const errorBodySchema = z
  .object({
    error: z.object({
      code: z
        .string()
        .describe(
          'Stable machine-readable code: invalid-request (400), not-found (404), invalid-transition and ' +
            'conflict (409), payload-too-large (413), unsupported-media-type (415), unknown-template, ' +
            'unknown-adapter, missing-argument, invalid-mode, invalid-adapter-call, invalid-config (422), ' +
            'internal (500), store-unavailable and not-ready (503); with the control boundary: unauthenticated (401), ' +
            'forbidden, policy-denied, self-approval (403), approval-expired, approval-decided, frozen (409), ' +
            'misdirected-request (421), idempotency-key-reused (422).',
        ),
      message: z.string().describe('For people; names every bad field of an invalid request.'),
      field: z
        .string()
        .optional()
        .describe(
          'The first input at fault: a dotted path inside the JSON body (`adapter`, `target.service`, ' +
            '`args.namespace`), or `query.NAME` / `params.NAME` for the query string and path.',
        ),
    }),
  })
  .meta({ id: 'Error', description: 'Every 4xx and 5xx answer has this body.' });

export type ErrorBody = z.infer<typeof errorBodySchema>;

export const analysisIdParamsSchema = z.object({
  id: z.string().min(1).describe('Analysis id, as returned by POST /v1/analyses.'),
});

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 421 | 422 | 500 | 503;

const ERROR_STATUS_TEXT: Record<ErrorStatus, string> = {
  400: 'Invalid request: malformed JSON or a field that fails validation (`field` names it).',
  401: 'unauthenticated: no or an unknown bearer token (auth configured).',
  403: 'forbidden: the principal lacks the scope or environment; policy-denied: a policy refuses the action; self-approval.',
  404: 'No analysis with this id (or no such route).',
  421: 'misdirected-request: the Host header is not in server.allowedHosts.',
  409: "The action is not allowed in the analysis's current phase, or a concurrent update won.",
  413: 'Request body too large.',
  415: 'Content-Type is not application/json.',
  422: 'Well-formed but refused: unknown template or adapter, missing template argument, invalid mode.',
  500: 'Unexpected failure (logged; the message is generic).',
  503: 'The store is unavailable; retry later.',
};

/**
 * A JSON response with its own description in /openapi.json. The body is still checked against
 * the schema when it is sent (fastify picks the serializer by media type).
 */
export function jsonResponse<S extends z.ZodType>(schema: S, description: string) {
  return { description, content: { 'application/json': { schema } } };
}

type ErrorResponse = { description: string; content: { 'application/json': { schema: typeof errorBodySchema } } };

/** Response entries for the error statuses a route can answer, documented in /openapi.json. */
export function errorResponses<S extends ErrorStatus>(statuses: readonly S[], descriptions: Partial<Record<S, string>> = {}): Record<S, ErrorResponse> {
  const entries = statuses.map((status): [S, ErrorResponse] => [
    status,
    {
      description: descriptions[status] ?? ERROR_STATUS_TEXT[status],
      content: { 'application/json': { schema: errorBodySchema } },
    },
  ]);
  return Object.fromEntries(entries) as Record<S, ErrorResponse>;
}
