// The shape of an AnalysisTemplate (architecture.md §3). Strict everywhere: an unknown key is an
// error, so a typo never turns into a silent default. Checks that span fields live in semantic.ts.

import { z } from 'zod';
import { CHECK_FIELD_TYPES } from '../analysis/types.js';
import { durationMs } from './zod-fields.js';

export const TEMPLATE_API_VERSION = 'canaryd.dev/v1alpha1';
export const TEMPLATE_KIND = 'AnalysisTemplate';

export const TEMPLATE_NAME_PATTERN = /^[a-z0-9][a-z0-9-]*$/;
export const ARG_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** What the condition language accepts before `.STAT`. */
export const METRIC_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]*$/;
export const RULE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * Validates a metric's `judge` (statistical judges are defined elsewhere). Returned paths are
 * absolute, like the `path` given (which points at the judge mapping).
 */
export type JudgeValidator = (
  judge: Record<string, unknown>,
  metricNames: string[],
  path: (string | number)[],
  selfName: string,
) => Array<{ path: (string | number)[]; message: string }>;

const argSchema = z.strictObject({
  name: z.string().regex(ARG_NAME_PATTERN, { error: 'must be a name like service or max_rps ([A-Za-z_][A-Za-z0-9_]*)' }),
  default: z.union([z.string(), z.number()]).optional(),
  description: z.string().optional(),
});

const metricSchema = z.strictObject({
  name: z.string().regex(METRIC_NAME_PATTERN, { error: 'must start with a letter or _ and contain only letters, digits, _ and -' }),
  query: z.string().min(1),
  direction: z.enum(['increase', 'decrease', 'both']).default('increase'),
  judge: z.looseObject({ type: z.string().min(1) }).optional(),
  /** Informational: a failed query of this metric does not hold the tick (see source-errors). */
  optional: z.boolean().default(false),
});

const checkFieldName = z.string().regex(METRIC_NAME_PATTERN, { error: 'must start with a letter or _ and contain only letters, digits, _ and -' });

/** spec.checks (issue 9): evidence posted to an analysis, read in rules as checks.NAME.FIELD. */
const checkSchema = z.strictObject({
  name: checkFieldName,
  description: z.string().optional(),
  fields: z
    .union([z.record(checkFieldName, z.enum(CHECK_FIELD_TYPES, { error: `must be one of ${CHECK_FIELD_TYPES.join(', ')}` })), z.array(checkFieldName).min(1)], {
      error: 'must map each field to its type (number, boolean, string), or list field names (numbers)',
    })
    .refine((fields) => Object.keys(fields).length > 0, { error: 'must name at least one field' }),
  maxAge: durationMs({ positive: true }).optional(),
});

const conditionText = z.string().min(1);

const ruleSchema = z.strictObject({
  id: z.string().regex(RULE_ID_PATTERN, { error: 'must start with a letter or digit and contain only letters, digits, _, . and -' }),
  when: z.union([conditionText, z.array(conditionText).min(1)]),
});

const ruleListSchema = z.array(ruleSchema).default([]);

const stepSchema = z.strictObject({
  weight: z.number(),
  minDuration: durationMs().optional(),
  maxDuration: durationMs({ positive: true }).optional(),
});

export const templateSpecSchema = z.strictObject({
  args: z.array(argSchema).default([]),
  source: z.string().min(1).default('default'),
  variants: z
    .strictObject({
      baseline: z.string().min(1).default('baseline'),
      canary: z.string().min(1).default('canary'),
    })
    .default({ baseline: 'baseline', canary: 'canary' }),
  baseline: z
    .strictObject({
      mode: z.enum(['concurrent', 'previous']).default('concurrent'),
      offset: durationMs({ positive: true }).optional(),
    })
    .default({ mode: 'concurrent' }),
  // Below 1s a tick is a query storm on the source (1ms: 6,208 queries in 10 s), never a judgement.
  interval: durationMs({ positive: true }).refine((ms) => ms >= 1_000, { error: 'must be at least 1s (each tick queries the source)' }),
  initialDelay: durationMs().default(0),
  lookback: durationMs({ positive: true }).optional(),
  stepDefaults: z
    .strictObject({
      minDuration: durationMs().default(0),
      maxDuration: durationMs({ positive: true }).optional(),
    })
    .default({ minDuration: 0 }),
  steps: z.array(stepSchema).min(1),
  onTimeout: z.enum(['abort', 'pause']).default('abort'),
  consecutiveErrorLimit: z.number().int().min(0).default(4),
  onError: z.enum(['abort', 'pause']).default('pause'),
  metrics: z.array(metricSchema).min(1),
  rules: z.strictObject({
    abort: ruleListSchema,
    hold: ruleListSchema,
    promote: ruleListSchema,
  }),
  /** Scored analyses are defined elsewhere; passed through untouched for now. */
  scoring: z.unknown().optional(),
  checks: z.array(checkSchema).optional(),
});

export const templateSchema = z.strictObject({
  apiVersion: z.literal(TEMPLATE_API_VERSION),
  kind: z.literal(TEMPLATE_KIND),
  metadata: z.strictObject({
    name: z.string().regex(TEMPLATE_NAME_PATTERN, { error: 'must be lowercase letters, digits and - (e.g. http-service)' }),
    description: z.string().optional(),
    /** Role → owner (a team, a person, a channel), shown in the gate report. */
    owners: z.record(z.string().min(1), z.string().min(1, { error: 'must name an owner' })).optional(),
  }),
  spec: templateSpecSchema,
});

export type TemplateDocument = z.output<typeof templateSchema>;
