// Request and response schemas of release records, rollbacks, checks and the gate report (issue 9).

import { z } from 'zod';

import { MAX_RELEASE_PAGE } from '../../store/types.js';
import { modeSchema, phaseSchema, ruleRefSchema, timestampSchema } from './common.js';
import { approvalSchema } from './control.js';
import { expected, requiredText } from './messages.js';
import { checkValueSchema } from './verdict.js';

const NAME_MAX = 256;
const REASON_MAX = 2000;
const DECISIONS = ['complete', 'abort', 'promote', 'fail', 'pause', 'resume'] as const;

export const releaseListQuerySchema = z.strictObject({
  service: requiredText(NAME_MAX).describe('The service (target.service) whose releases to list.'),
  environment: requiredText(NAME_MAX).describe('The environment (target.environment).'),
  limit: z.coerce
    .number({ error: expected(`a whole number from 1 to ${MAX_RELEASE_PAGE}`) })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(MAX_RELEASE_PAGE, `must be at most ${MAX_RELEASE_PAGE}`)
    .optional()
    .describe('At most this many releases (default 50).'),
  before: z.string().min(1).optional().describe('A nextCursor from the previous page: releases created before that one.'),
});

const releaseDecisionSchema = z.object({
  decision: z.enum(DECISIONS),
  rule: ruleRefSchema.nullable(),
  reason: z.string(),
  at: timestampSchema,
});

const releaseCheckSchema = z.object({
  values: z.record(z.string(), checkValueSchema),
  source: z.string(),
  digest: z.string().nullable(),
  at: timestampSchema,
  fresh: z.boolean().describe("false: older than the check's maxAge, so rules read it as unknown."),
});

export const releaseSummarySchema = z
  .object({
    id: z.string().describe('The analysis id.'),
    service: z.string(),
    environment: z.string(),
    version: z.string(),
    artifact: z.string().nullable(),
    previousVersion: z.string().nullable(),
    template: z.string(),
    mode: modeSchema,
    phase: phaseSchema,
    decision: releaseDecisionSchema.nullable().describe('The latest decision event; null before the first.'),
    approvers: z.array(z.string()).describe('Principals that approved one of its actions.'),
    checks: z.record(z.string(), releaseCheckSchema).describe('The latest evidence of each check posted to it.'),
    startedAt: timestampSchema,
    endedAt: timestampSchema.nullable(),
    evidenceHash: z.string().nullable().describe('The evidence hash of its latest verdict.'),
  })
  .meta({ id: 'ReleaseSummary', description: 'One release of a target: an analysis, and why it moved.' });

export const releaseListSchema = z
  .object({
    releases: z.array(releaseSummarySchema),
    nextCursor: z.string().nullable().describe('Pass as ?before= for the next page; null: no more.'),
  })
  .meta({ id: 'ReleaseList' });

export const rollbackSchema = z
  .object({
    id: z.string(),
    service: z.string(),
    environment: z.string(),
    fromVersion: z.string(),
    toVersion: z.string(),
    reason: z.string(),
    actor: z.string(),
    at: timestampSchema,
    analysisId: z.string().describe('The drive-mode analysis whose adapter is called; its trail holds the release-rollback event.'),
    adapter: z.string(),
    status: z.enum(['pending', 'done', 'failed']).describe('The status of the adapter call.'),
  })
  .meta({ id: 'Rollback' });

export const releaseRecordSchema = releaseSummarySchema
  .extend({
    templateHash: z.string().nullable(),
    args: z.record(z.string(), z.string()),
    createdBy: z.string().nullable(),
    policyDecisions: z.array(z.record(z.string(), z.unknown())).describe('Payloads of its policy-decision events.'),
    approvals: z.array(approvalSchema),
    decisions: z.array(
      z.object({
        at: timestampSchema,
        decision: z.enum(DECISIONS),
        rule: ruleRefSchema.nullable(),
        reason: z.string(),
        evidenceHash: z.string().nullable(),
        fromStep: z.number().int(),
        step: z.number().int(),
        weight: z.number(),
      }),
    ),
    rollbacks: z.array(rollbackSchema),
  })
  .meta({ id: 'ReleaseRecord', description: 'A release with its template hash, policy decisions, approvals, every decision and rollbacks.' });

export const rollbackBodySchema = z.strictObject(
  {
    service: requiredText(NAME_MAX),
    environment: requiredText(NAME_MAX),
    toVersion: requiredText(NAME_MAX).describe('A version released before for this service and environment.'),
    reason: requiredText(REASON_MAX).describe('Why; recorded in the trail and sent to the deployer.'),
  },
  { error: expected('a JSON object {service, environment, toVersion, reason}') },
);

export const rollbackAnswerSchema = z.object({ rollback: rollbackSchema }).meta({ id: 'RollbackAnswer' });

export const checkParamsSchema = z.object({
  id: z.string().min(1).describe('Analysis id.'),
  name: z.string().min(1).describe('A check the template declares (spec.checks).'),
});

export const checkBodySchema = z.strictObject(
  {
    values: z
      .record(z.string().min(1), z.unknown(), { error: expected('an object of field → number, boolean or string') })
      .describe('One value per declared field of the check; types as declared.'),
    source: requiredText(NAME_MAX).describe('Where the evidence comes from, e.g. "eval-run 2026-12-01/42".'),
    digest: requiredText(NAME_MAX).optional().describe('A digest of the evidence, e.g. sha256:<hex>.'),
  },
  { error: expected('a JSON object {values, source, digest?}') },
);

export const postedCheckSchema = z
  .object({
    check: z.object({
      name: z.string(),
      values: z.record(z.string(), checkValueSchema),
      source: z.string(),
      digest: z.string().nullable(),
      at: timestampSchema,
      actor: z.string().nullable(),
    }),
  })
  .meta({ id: 'PostedCheck' });

const targetValue = z.union([z.number(), z.boolean()]);

export const gateReportSchema = z
  .object({
    gate_id: z.string(),
    window: z.object({ duration: z.string(), start: timestampSchema.nullable(), end: timestampSchema }).nullable(),
    blockers: z.record(
      z.string(),
      z.object({
        target_lt: targetValue.optional(),
        target_lte: targetValue.optional(),
        target_gt: targetValue.optional(),
        target_gte: targetValue.optional(),
        target_eq: targetValue.optional(),
        target_ne: targetValue.optional(),
        value: targetValue.nullable(),
        pass: z.boolean().nullable(),
      }),
    ),
    owners: z.record(z.string(), z.string()),
    decision: z.enum(['allow_promotion_to_next_stage', 'block', 'rollback', 'hold']),
  })
  .meta({ id: 'GateReport', description: "Seed 002's gate report, from the latest verdict's conditions." });
