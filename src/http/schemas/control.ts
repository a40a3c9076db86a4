// Schemas of approvals and freezes (the control boundary).

import { z } from 'zod';
import { APPROVAL_STATES, POLICY_ACTIONS } from '../../control/types.js';
import { ruleRefSchema, targetSchema, timestampSchema } from './common.js';
import { expected, requiredText } from './messages.js';

export const approvalStateSchema = z.enum(APPROVAL_STATES).meta({
  id: 'ApprovalState',
  description: 'pending → approved | rejected | expired (after expiresAt) | cancelled (the analysis moved on: aborted, paused).',
});

const observedSchema = z.object({ ref: z.string(), value: z.union([z.number(), z.boolean(), z.null()]) });

export const approvalPacketSchema = z
  .object({
    action: z.enum(POLICY_ACTIONS),
    environment: z.string(),
    service: z.string(),
    version: z.string(),
    current: z.object({ step: z.number(), weight: z.number(), phase: z.string() }),
    proposed: z.object({ step: z.number(), weight: z.number(), phase: z.string() }),
    evidence: z.object({
      evidenceHash: z.string(),
      rule: ruleRefSchema.nullable(),
      reason: z.string(),
      conditions: z.array(z.object({ rule: z.string(), text: z.string(), truth: z.string(), observed: z.array(observedSchema) })),
    }),
    riskFlags: z.array(z.string()),
    adapterCall: z
      .object({ adapter: z.string(), idempotencyKey: z.string(), request: z.record(z.string(), z.unknown()).describe('The webhook body (AdapterRequest).') })
      .nullable()
      .describe('The exact call the approval authorises (null in observe mode).'),
    undo: z.string().describe('How to undo the action once done.'),
  })
  .meta({ id: 'ApprovalPacket', description: 'What an approver reads before deciding.' });

export const approvalSchema = z
  .object({
    id: z.string(),
    analysisId: z.string(),
    action: z.enum(POLICY_ACTIONS),
    target: targetSchema,
    fromWeight: z.number(),
    toWeight: z.number(),
    evidenceHash: z.string().describe('The evidence the approval is bound to; its call carries it in the idempotency key.'),
    policyId: z.string(),
    policySetHash: z.string(),
    approvers: z.array(z.string()),
    requestedBy: z.string(),
    requestedAt: timestampSchema,
    expiresAt: timestampSchema,
    state: approvalStateSchema,
    decidedBy: z.string().nullable(),
    decidedAt: timestampSchema.nullable(),
    reason: z.string().nullable(),
    packet: approvalPacketSchema,
  })
  .meta({ id: 'Approval', description: 'A request to approve one action of one analysis, bound to its evidence hash.' });

export const approvalListSchema = z.object({ approvals: z.array(approvalSchema) }).meta({ id: 'ApprovalList' });

export const approvalQuerySchema = z.strictObject({ state: approvalStateSchema.optional().describe('Only approvals in this state.') });

export const approvalDecisionBodySchema = z.strictObject(
  {
    decision: z.enum(['approve', 'reject'], { error: expected('"approve" or "reject"') }),
    reason: z.string().max(2000).default('').describe('Why; recorded in the trail.'),
  },
  { error: expected('a JSON object') },
);

export const idParamsSchema = z.object({ id: z.string().min(1) });

const scopeSchema = z.strictObject({ environment: z.string().min(1).optional(), service: z.string().min(1).optional() });

export const freezeBodySchema = z.strictObject(
  {
    reason: requiredText(2000).describe('Why everything covered stops advancing.'),
    scope: scopeSchema.optional().describe('What it covers; absent: every analysis.'),
  },
  { error: expected('a JSON object') },
);

export const freezeSchema = z
  .object({
    id: z.string(),
    reason: z.string(),
    scope: z.object({ environment: z.string().optional(), service: z.string().optional() }),
    createdBy: z.string(),
    createdAt: timestampSchema,
    liftedBy: z.string().nullable(),
    liftedAt: timestampSchema.nullable(),
    active: z.boolean(),
  })
  .meta({
    id: 'Freeze',
    description: 'While active, covered analyses make no set-weight or complete (verdict hold, rule freeze); rollbacks and pauses still happen.',
  });

export const freezeListSchema = z.object({ freezes: z.array(freezeSchema) }).meta({ id: 'FreezeList' });
