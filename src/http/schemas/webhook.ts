// Documentation only: the body canaryd POSTs to a webhook adapter in drive mode (architecture §5).
// It is registered as a component of /openapi.json so a deployer author can generate a type for it.

import { z } from 'zod';

import { RULE_GROUPS, targetSchema, timestampSchema } from './common.js';

export const adapterWebhookRequestSchema = z
  .object({
    analysisId: z.string(),
    action: z
      .enum(['set-weight', 'complete', 'rollback', 'pause', 'resume'])
      .describe(
        'set-weight: route `weight` percent to the canary (at start and after each promote) · complete: promote ' +
          'fully (promote from the last step) · rollback: abort, send all traffic back to the baseline · ' +
          'pause / resume: stop or restart progressing.',
      ),
    weight: z.number().describe('Canary traffic weight in percent for this step.'),
    step: z.number().int().min(0).describe('0-based step index.'),
    target: targetSchema,
    rule: z
      .object({ id: z.string(), group: z.enum([...RULE_GROUPS, 'builtin']) })
      .nullable()
      .describe('The rule that decided; `manual` for an operator action.'),
    evidenceHash: z.string(),
    idempotencyKey: z.string().describe('{analysisId}:{step}:{action}:{evidenceHash}; also sent as the Idempotency-Key header. A retry carries the same key.'),
    at: timestampSchema,
    toVersion: z.string().optional().describe('Only on a release rollback (POST /v1/releases/rollback, rule manual): the version to roll back to.'),
    actor: z.string().optional().describe('Only on a release rollback: who asked for it.'),
    reason: z.string().optional().describe('Only on a release rollback: why.'),
  })
  .meta({
    id: 'AdapterWebhookRequest',
    description:
      'Body of the POST canaryd sends to a webhook adapter in drive mode. Headers: Content-Type: application/json, ' +
      'Idempotency-Key: <idempotencyKey>, and with a secret Canaryd-Signature: t=<unix seconds>,v1=<hex ' +
      'HMAC-SHA256(secret, "<t>.<raw body>")>. Answer 2xx for success; anything else is retried with backoff ' +
      '(same key), and when retries run out the analysis pauses with rule adapter-failed.',
  });
