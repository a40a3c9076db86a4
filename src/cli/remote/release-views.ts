// How the CLI reads the release answers (issue 9's shared contract): only the fields it prints
// are checked, and unknown fields pass, so a daemon that adds fields still works; --output json
// prints the body as it came.

import { z } from 'zod';

const ruleRef = z.object({ id: z.string(), group: z.string() });
const text = z.string();
const maybeText = z.string().nullable();

export const releaseDecisionSchema = z.looseObject({ decision: text, rule: ruleRef.nullable(), reason: text, at: text });

export const releaseCheckSchema = z.looseObject({
  values: z.record(z.string(), z.union([z.number(), z.boolean(), z.string()])),
  source: text,
  digest: maybeText.optional(),
  at: text,
  fresh: z.boolean(),
});

export const releaseSummarySchema = z.looseObject({
  id: text,
  service: text,
  environment: text,
  version: text,
  artifact: maybeText,
  previousVersion: maybeText,
  template: text,
  mode: text,
  phase: text,
  decision: releaseDecisionSchema.nullable(),
  approvers: z.array(text),
  checks: z.record(z.string(), releaseCheckSchema),
  startedAt: text,
  endedAt: maybeText,
  evidenceHash: maybeText,
});

export const releaseListSchema = z.looseObject({ releases: z.array(releaseSummarySchema), nextCursor: maybeText.optional() });

export const rollbackRecordSchema = z.looseObject({
  id: text,
  service: text,
  environment: text,
  fromVersion: maybeText,
  toVersion: text,
  reason: text,
  actor: maybeText,
  at: text,
  analysisId: maybeText,
  adapter: maybeText,
  status: text,
});

export const rollbackAnswerSchema = z.looseObject({ rollback: rollbackRecordSchema });

const decisionRecordSchema = z.looseObject({
  at: text,
  decision: text,
  rule: ruleRef.nullable(),
  reason: text,
  evidenceHash: maybeText,
  fromStep: z.number(),
  step: z.number(),
  weight: z.number(),
});

const approvalRecordSchema = z.looseObject({
  id: text,
  action: text,
  state: text,
  decidedBy: maybeText.optional(),
  decidedAt: maybeText.optional(),
  reason: maybeText.optional(),
});

export const releaseDetailSchema = releaseSummarySchema.extend({
  templateHash: maybeText.optional(),
  args: z.record(z.string(), z.unknown()).optional(),
  createdBy: maybeText.optional(),
  policyDecisions: z.array(z.record(z.string(), z.unknown())),
  approvals: z.array(approvalRecordSchema),
  decisions: z.array(decisionRecordSchema),
  rollbacks: z.array(rollbackRecordSchema),
});

export type ReleaseSummary = z.infer<typeof releaseSummarySchema>;
export type ReleaseDetail = z.infer<typeof releaseDetailSchema>;
export type RollbackRecord = z.infer<typeof rollbackRecordSchema>;
