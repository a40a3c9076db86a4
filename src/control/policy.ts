// Policy matching: first match wins; no match = ALLOW. Pure.

import { canonicalJson, sha256Hex } from '../analysis/evidence-hash.js';
import type { Policy, PolicyDecision, PolicyDecisionKind, PolicySubject } from './types.js';

/** Fifteen minutes: how long an approval stays open when a policy does not say. */
export const DEFAULT_APPROVAL_EXPIRY_MS = 15 * 60_000;

/** sha256 of the canonical JSON of the policy set, in order: the decision names the rules it applied. */
export function policySetHash(policies: readonly Policy[]): string {
  return sha256Hex(canonicalJson(policies.map((policy) => ({ ...policy }))));
}

function covers(list: readonly string[] | undefined, value: string): boolean {
  return list === undefined || list.includes(value);
}

export function policyMatches(policy: Policy, subject: PolicySubject): boolean {
  const { match } = policy;
  return (
    covers(match.environment, subject.environment) &&
    covers(match.service, subject.service) &&
    (match.action === undefined || match.action.includes(subject.action))
  );
}

export function decidePolicy(policies: readonly Policy[], subject: PolicySubject, setHash: string): PolicyDecision {
  const policy = policies.find((candidate) => policyMatches(candidate, subject));
  if (policy === undefined) {
    return {
      action: subject.action,
      policyId: null,
      decision: 'ALLOW',
      reason: `no policy matches ${subject.action} in ${subject.environment}: allowed`,
      approvers: [],
      expiresMs: DEFAULT_APPROVAL_EXPIRY_MS,
      policySetHash: setHash,
    };
  }
  const why = policy.reason === undefined || policy.reason.trim() === '' ? '' : `: ${policy.reason.trim()}`;
  return {
    action: subject.action,
    policyId: policy.id,
    decision: policy.decision,
    reason: `policy ${policy.id} decides ${policy.decision} for ${subject.action} in ${subject.environment}${why}`,
    approvers: [...policy.approvers],
    expiresMs: policy.expiresMs,
    policySetHash: setHash,
  };
}

const SEVERITY: Record<PolicyDecisionKind, number> = { ALLOW: 0, REQUIRE_APPROVAL: 1, DENY: 2 };

/** The most restrictive of several decisions (DENY > REQUIRE_APPROVAL > ALLOW); the first on a tie. */
export function strictest(decisions: readonly PolicyDecision[]): PolicyDecision | undefined {
  let chosen: PolicyDecision | undefined;
  for (const decision of decisions) {
    if (chosen === undefined || SEVERITY[decision.decision] > SEVERITY[chosen.decision]) chosen = decision;
  }
  return chosen;
}
