// Request and response schemas of the controller gates: Argo Rollouts' web provider (jsonBody) and
// Flagger's webhook payload, taken as each controller sends them.

import { z } from 'zod';

import { ARG_NAME_PATTERN } from '../../template/schema.js';
import { argValueSchema, artifactSchema } from './analysis.js';
import { expected, requiredText } from './messages.js';
import { verdictViewSchema } from './verdict.js';

const NAME_MAX = 256;

/** Argo substitutes `{{args.weight}}` into a string; a number is taken too. */
export const weightSchema = z
  .union(
    [
      z.number(),
      z
        .string()
        .trim()
        .regex(/^\d+(\.\d+)?$/, 'must be a number of percent, e.g. "20"')
        .transform(Number),
    ],
    {
      error: expected("the controller's canary weight in percent (a number, or a string of one)"),
    },
  )
  .pipe(z.number().min(0, 'must be at least 0').max(100, 'must be at most 100'));

const targetBodySchema = z
  .strictObject(
    {
      service: requiredText(NAME_MAX),
      environment: requiredText(NAME_MAX),
      version: requiredText(NAME_MAX).describe('The canary version being rolled out.'),
    },
    { error: expected('an object {service, environment, version}') },
  )
  .describe('What is being deployed.');

export const argoGateBodySchema = z.strictObject(
  {
    template: requiredText(NAME_MAX).describe('Name of a template loaded by the daemon.'),
    args: z
      .record(z.string().regex(ARG_NAME_PATTERN, 'must be an argument name like service or max_rps'), argValueSchema)
      .default({})
      .describe('Template arguments.'),
    target: targetBodySchema,
    rollout: requiredText(NAME_MAX).describe('The Rollout (namespace/name when names repeat across namespaces).'),
    revision: requiredText(NAME_MAX).describe(
      'The canary ReplicaSet hash ({{templates.podTemplateHash}} or an arg from podTemplateHashValue: Latest). One analysis per rollout+revision.',
    ),
    weight: weightSchema
      .optional()
      .describe("The Rollout's canary weight now (a step's inline analysis passes it as an arg); canaryd's step is the step of this weight."),
    artifact: artifactSchema.optional().describe('Release record: the digest of the canary image, e.g. sha256:<hex>.'),
    previousVersion: requiredText(NAME_MAX).optional().describe('Release record: the version this revision replaces.'),
  },
  { error: expected('a JSON object (the web provider jsonBody)') },
);

export const weightQuerySchema = z.object({
  weight: weightSchema.optional().describe("The controller's canary weight now (instead of the body's `weight`)."),
});

export const observedWeightBodySchema = z.strictObject(
  { weight: weightSchema.describe("The controller's canary weight now, in percent.") },
  { error: expected('a JSON object {weight}') },
);

export const gateVerdictSchema = verdictViewSchema
  .extend({ analysisId: z.string().describe('The analysis the gate found or created.') })
  .meta({ id: 'GateVerdict', description: 'The verdict of the analysis behind a gate (the Verdict fields and its id).' });

export const flaggerTypeParamsSchema = z.object({
  type: z
    .string()
    .describe('The webhook type: confirm-rollout, pre-rollout, rollout, confirm-traffic-increase, confirm-promotion, rollback, post-rollout or event.'),
});

/** Flagger's CanaryWebhookPayload; unknown keys are ignored (Flagger may add some). */
export const flaggerPayloadSchema = z.object(
  {
    name: requiredText(NAME_MAX).describe('The Canary.'),
    namespace: requiredText(NAME_MAX),
    phase: z.string({ error: expected('a string') }).describe('The Canary phase Flagger reports.'),
    checksum: requiredText(NAME_MAX).describe("Hash of the Canary's tracked configs and last applied spec: one analysis per name+namespace+checksum."),
    metadata: z
      .record(z.string(), z.string({ error: expected('a string (Flagger metadata is a map of strings)') }))
      .optional()
      .describe("The webhook's metadata: template and environment (required to create), service, version, args.NAME."),
  },
  { error: expected("a JSON object (Flagger's webhook payload)") },
);

export const flaggerAnswerSchema = z
  .object({
    type: z.string(),
    passed: z.boolean().describe('true with 200: the gate passes (rollback: roll back now); false with 412.'),
    reason: z.string(),
    verdict: gateVerdictSchema.nullable().describe('The analysis behind the hook; null when there is none yet.'),
  })
  .meta({ id: 'FlaggerAnswer', description: "canaryd's answer to a Flagger webhook; Flagger reads only the status." });

export const flaggerQuerySchema = z.object({
  access_token: z
    .string()
    .optional()
    .describe('The bearer token, for callers that cannot send an Authorization header (Flagger webhooks; RFC 6750 §2.3). Redacted from logs.'),
});
