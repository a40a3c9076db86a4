// Request and response schemas of the analysis resource.

import { z } from 'zod';

import { ARG_NAME_PATTERN } from '../../template/schema.js';
import { MODES, modeSchema, PHASES, phaseSchema, ruleRefSchema, targetSchema, timestampSchema, verdictActionSchema } from './common.js';
import { expected, requiredText } from './messages.js';
import { MAX_PAGE_LIMIT } from '../../store/summary.js';
import { tickVerdictSchema } from './verdict.js';

const NAME_MAX = 256;
const ARG_VALUE_MAX = 4096;

// Numbers are accepted for convenience (`"port": 8080`) and become their JSON spelling ("8080");
// booleans and objects are refused rather than guessed at.
export const argValueSchema = z.union(
  [z.string().max(ARG_VALUE_MAX, `must be at most ${ARG_VALUE_MAX} characters`), z.number().transform((value) => String(value))],
  { error: 'must be a string (a finite number is accepted and turned into a string)' },
);

/** A content digest, ALGORITHM:VALUE (OCI style), e.g. sha256:4f2a…. */
export const artifactSchema = z
  .string()
  .max(NAME_MAX, `must be at most ${NAME_MAX} characters`)
  .regex(/^[a-z0-9][a-z0-9+._-]*:[A-Za-z0-9=_-]+$/, 'must be a digest ALGORITHM:VALUE, e.g. sha256:4f2a…');

export const createAnalysisBodySchema = z
  .strictObject(
    {
      template: requiredText(NAME_MAX).describe('Name of a template loaded by the daemon (metadata.name).'),
      args: z
        .record(z.string().regex(ARG_NAME_PATTERN, 'must be an argument name like service or max_rps'), argValueSchema)
        .default({})
        .describe(
          'Template arguments ({{ args.NAME }} in queries). Values are strings; a finite number is accepted and ' +
            'turned into its JSON spelling (8080 → "8080"). Arguments with a default in the template may be omitted.',
        ),
      mode: z
        .enum(MODES, { error: expected('drive or observe') })
        .describe('drive: canaryd calls `adapter` to set weights, pause, complete and roll back. observe: canaryd only judges.'),
      adapter: requiredText(NAME_MAX)
        .optional()
        .describe('Name of a deployment adapter from the daemon config. Required in drive mode, refused in observe mode.'),
      target: z
        .strictObject(
          {
            service: requiredText(NAME_MAX),
            environment: requiredText(NAME_MAX),
            version: requiredText(NAME_MAX).describe('The canary version being rolled out.'),
          },
          { error: expected('an object {service, environment, version}') },
        )
        .describe('What is being deployed.'),
      artifact: artifactSchema.optional().describe('Release record: the digest of what is deployed, e.g. sha256:<hex>.'),
      previousVersion: requiredText(NAME_MAX).optional().describe('Release record: the version this release replaces.'),
    },
    { error: expected('a JSON object') },
  )
  .superRefine((body, context) => {
    if (body.mode === 'drive' && body.adapter === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['adapter'],
        message: 'required in drive mode (the name of a deployment adapter from the daemon config)',
      });
    }
    if (body.mode === 'observe' && body.adapter !== undefined) {
      context.addIssue({
        code: 'custom',
        path: ['adapter'],
        message: 'only allowed in drive mode (in observe mode canaryd calls no adapter)',
      });
    }
  })
  .describe('Unknown fields are refused (400), so a typo never falls back to a default.');

export const DEFAULT_PAGE_LIMIT = 100;
const PAGE_LIMIT_ERROR = `must be a whole number from 1 to ${MAX_PAGE_LIMIT}`;
const targetFilter = (what: string) => z.string().min(1, 'must not be empty').max(NAME_MAX).optional().describe(`Only analyses whose ${what} is this.`);

export const listAnalysesQuerySchema = z.strictObject({
  phase: z
    .enum(PHASES, { error: `must be one of ${PHASES.join(', ')}` })
    .optional()
    .describe('Only analyses in this phase.'),
  template: targetFilter('template'),
  service: targetFilter('target.service'),
  environment: targetFilter('target.environment'),
  version: targetFilter('target.version'),
  limit: z.coerce
    .number({ error: PAGE_LIMIT_ERROR })
    .int(PAGE_LIMIT_ERROR)
    .min(1, PAGE_LIMIT_ERROR)
    .max(MAX_PAGE_LIMIT, PAGE_LIMIT_ERROR)
    .default(DEFAULT_PAGE_LIMIT)
    .describe(`At most this many analyses in the page (default ${DEFAULT_PAGE_LIMIT}, at most ${MAX_PAGE_LIMIT}).`),
  cursor: z.string().min(1, 'must not be empty').max(200).optional().describe('The nextCursor of the previous page, as it was given.'),
});

export const analysisViewSchema = z
  .object({
    id: z.string(),
    template: z.string(),
    args: z.record(z.string(), z.string()),
    mode: modeSchema,
    adapter: z.string().nullable().describe('The deployment adapter (drive mode); null in observe mode.'),
    target: targetSchema,
    phase: phaseSchema,
    step: z.number().int().min(0).describe('0-based index of the current step.'),
    steps: z.number().int().min(0).describe('How many steps the template has; the last one is full promotion.'),
    weight: z.number().describe('Canary traffic weight of the current step, in percent.'),
    startedAt: timestampSchema,
    stepStartedAt: timestampSchema,
    decidedAt: timestampSchema.nullable().describe('When the analysis ended; null while it goes on.'),
    decidedBy: ruleRefSchema.nullable().describe('The rule that ended it; null while it goes on.'),
    lastVerdict: tickVerdictSchema.nullable().describe('The latest decision with all its evidence; null before the first tick.'),
    createdAt: timestampSchema,
    updatedAt: timestampSchema,
    templateHash: z
      .string()
      .nullable()
      .optional()
      .describe('sha256 of the canonical JSON of the template the analysis was created with (pinned: editing the file changes only new analyses).'),
    createdBy: z.string().nullable().optional().describe('The authenticated principal that created it; null without auth.'),
    approval: z
      .object({ id: z.string(), expiresAt: timestampSchema })
      .nullable()
      .optional()
      .describe('In phase awaiting-approval: the request it waits for (GET /v1/approvals).'),
  })
  .meta({ id: 'Analysis', description: 'An analysis: template + args + target + mode, and where it stands.' });

export const analysisSummarySchema = analysisViewSchema
  .omit({ lastVerdict: true, approval: true })
  .extend({
    lastVerdict: z
      .object({ action: verdictActionSchema, rule: ruleRefSchema.nullable(), reason: z.string(), at: timestampSchema, evidenceHash: z.string() })
      .nullable()
      .describe('The latest decision without its evidence (GET /v1/analyses/{id} has the conditions, values and queries); null before the first tick.'),
    observedWeight: z.number().nullable().describe("The controller's last reported weight (observe mode following a controller); null otherwise."),
  })
  .meta({ id: 'AnalysisSummary', description: 'An analysis in a list: where it stands, without the evidence of its last verdict.' });

export const analysisListSchema = z
  .object({
    analyses: z.array(analysisSummarySchema),
    nextCursor: z.string().nullable().describe('Pass it as ?cursor= for the next page; null on the last page.'),
  })
  .meta({ id: 'AnalysisList' });
