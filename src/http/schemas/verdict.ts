// Response schemas of a tick's verdict (inside an analysis) and of the small poller answer.
// Numbers a judge computes may be non-finite in memory; the serializer turns them into null
// first (as JSON.stringify would), so these schemas describe the wire format.

import { z } from 'zod';

import { phaseSchema, RULE_GROUPS, ruleRefSchema, timestampSchema, verdictActionSchema } from './common.js';

const nullableNumber = z.number().nullable();

const observedValueSchema = z.object({
  ref: z.string().describe('What was read, e.g. error_rate.change.'),
  value: z.union([z.number(), z.boolean()]).nullable().describe('null when the value was missing or undefined.'),
});

export const conditionRecordSchema = z
  .object({
    rule: z.string(),
    group: z.enum(RULE_GROUPS),
    text: z.string().describe('The condition as written in the template.'),
    truth: z.enum(['true', 'false', 'unknown']).describe('Three-valued: unknown when a value it reads is missing.'),
    observed: z.array(observedValueSchema),
  })
  .meta({ id: 'ConditionRecord', description: 'One evaluated condition of one rule, with the values it read.' });

const judgeEvidenceSchema = z
  .object({
    judge: z.string(),
    regressed: z.boolean().nullable(),
    improved: z.boolean().nullable(),
    pValue: nullableNumber,
    details: z.record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.array(nullableNumber)]).nullable()),
  })
  .meta({ id: 'JudgeEvidence', description: 'What a statistical judge computed for one metric.' });

export const metricResultSchema = z
  .object({
    name: z.string(),
    baseline: nullableNumber,
    canary: nullableNumber,
    delta: nullableNumber.describe('canary − baseline'),
    change: nullableNumber.describe('(canary − baseline) / |baseline|, a fraction'),
    ratio: nullableNumber.describe('canary / baseline'),
    missing: z.boolean(),
    error: z.boolean(),
    message: z.string().optional().describe('Why the metric is missing or errored.'),
    regressed: z.boolean().nullable().optional(),
    improved: z.boolean().nullable().optional(),
    p_value: nullableNumber.optional(),
    judge: judgeEvidenceSchema.optional(),
    queries: z.object({ baseline: z.string(), canary: z.string() }).describe('The rendered PromQL of each variant.'),
  })
  .meta({ id: 'MetricResult', description: "One metric's baseline and canary values and stats for one tick." });

export const checkValueSchema = z.union([z.number(), z.boolean(), z.string()]);

export const checkReadingSchema = z
  .object({
    values: z.record(z.string(), checkValueSchema),
    source: z.string(),
    digest: z.string().nullable(),
    at: timestampSchema,
    fresh: z.boolean().describe("false: older than the check's maxAge, so its fields are unknown."),
  })
  .meta({ id: 'CheckReading', description: "A check's latest evidence as a verdict read it." });

export const tickVerdictSchema = z
  .object({
    action: verdictActionSchema,
    rule: ruleRefSchema.nullable(),
    reason: z.string().describe('Why, for people: the rule and the values that made it fire.'),
    conditions: z.array(conditionRecordSchema),
    metrics: z.array(metricResultSchema),
    window: z.string().describe('The query window, a Prometheus duration.'),
    at: timestampSchema,
    evidenceHash: z.string().describe('sha256 of the canonical JSON of this verdict without the hash.'),
    checks: z
      .record(z.string(), checkReadingSchema.nullable())
      .optional()
      .describe("The template's checks (spec.checks) as this tick read them; null: never posted. Part of the evidence hash."),
  })
  .meta({ id: 'TickVerdict', description: 'The full record of one decision: rule, conditions, observed values, queries.' });

export const verdictViewSchema = z
  .object({
    verdict: verdictActionSchema,
    phase: phaseSchema,
    step: z.number().int().min(0).describe('0-based index of the current step.'),
    weight: z.number().describe('Canary traffic weight of the current step, in percent.'),
    rule: ruleRefSchema.nullable().describe('The rule behind the verdict; null before the first decision.'),
    reason: z.string(),
    evidenceHash: z.string().nullable(),
    at: timestampSchema.nullable().describe('When the verdict was reached; null before the first tick.'),
    forStep: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe(
        '0-based step the verdict is for: a promote that advanced canaryd (drive mode) is for the step before `step`; following a controller, a promote stays for `step` until the controller moves on.',
      ),
    forWeight: z.number().optional().describe('The weight of `forStep`, in percent.'),
    observedWeight: z.number().nullable().optional().describe("The controller's last reported weight (observe mode following a controller); null otherwise."),
  })
  .meta({
    id: 'Verdict',
    description:
      'The small answer pollers read. Always 200 for a known analysis; read `verdict`: promote (a succeeded ' +
      'analysis stays promote), abort (an aborted one stays abort), hold or continue (keep polling).',
  });
