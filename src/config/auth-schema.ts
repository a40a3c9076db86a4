// The control boundary's config (issue 8): `auth.tokens` (each token is a principal with scopes and
// optional environments), `policies` (first match wins; no match = ALLOW) and `server.allowedHosts`.

import { z } from 'zod';
import { durationMs } from '../template/zod-fields.js';
import { POLICY_ACTIONS, POLICY_DECISIONS, SCOPES } from '../control/types.js';

const nonEmpty = z.string().min(1);
const oneOrMany = z.union([nonEmpty, z.array(nonEmpty).min(1)]);

export const tokenSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.@-]*$/, { error: 'must start with a letter or digit and contain only letters, digits, _ . @ and -' }),
  tokenFile: nonEmpty.optional(),
  tokenEnv: nonEmpty.optional(),
  scopes: z.array(z.enum(SCOPES, { error: `unknown scope (scopes: ${SCOPES.join(', ')})` })).min(1),
  environments: z.array(nonEmpty).min(1).optional(),
});

export const authSchema = z.strictObject({ tokens: z.array(tokenSchema).min(1) });

const actionList = z.union([
  z.enum(POLICY_ACTIONS, { error: `unknown action (actions: ${POLICY_ACTIONS.join(', ')})` }),
  z.array(z.enum(POLICY_ACTIONS, { error: `unknown action (actions: ${POLICY_ACTIONS.join(', ')})` })).min(1),
]);

export const policySchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, { error: 'must start with a letter or digit and contain only letters, digits, _ and -' }),
  match: z.strictObject({ environment: oneOrMany.optional(), service: oneOrMany.optional(), action: actionList.optional() }).default({}),
  decision: z.enum(POLICY_DECISIONS, { error: `expected one of ${POLICY_DECISIONS.join(', ')}` }),
  approvers: z.array(nonEmpty).min(1).optional(),
  expires: durationMs({ positive: true }).optional(),
  reason: z.string().optional(),
});

export const policiesSchema = z.array(policySchema).default([]);

export type TokenDocument = z.output<typeof tokenSchema>;
export type PolicyDocument = z.output<typeof policySchema>;
