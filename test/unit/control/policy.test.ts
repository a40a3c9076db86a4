import { describe, expect, it } from 'vitest';
import { allowedFollowUps, freezeCovers, gate } from '../../../src/control/gate.js';
import { decidePolicy, policySetHash, strictest } from '../../../src/control/policy.js';
import type { FreezeRecord, Policy } from '../../../src/control/types.js';

const policy = (overrides: Partial<Policy> & Pick<Policy, 'id' | 'decision'>): Policy => ({ match: {}, approvers: [], expiresMs: 60_000, ...overrides });

const POLICIES: Policy[] = [
  policy({
    id: 'prod-advance',
    match: { environment: ['production'], action: ['set-weight', 'complete'] },
    decision: 'REQUIRE_APPROVAL',
    approvers: ['alice'],
  }),
  policy({
    id: 'no-manual-promote',
    match: { environment: ['production'], action: ['manual-promote'] },
    decision: 'DENY',
    reason: 'only through the analysis',
  }),
  policy({ id: 'payments-frozen', match: { service: ['payment-api'] }, decision: 'DENY' }),
  policy({ id: 'prod-anything', match: { environment: ['production'] }, decision: 'ALLOW' }),
];
const HASH = policySetHash(POLICIES);
const prod = (action: Parameters<typeof decidePolicy>[1]['action'], service = 'checkout') => ({ environment: 'production', service, action });

describe('decidePolicy', () => {
  it('first match wins, in the order written', () => {
    expect(decidePolicy(POLICIES, prod('set-weight'), HASH)).toMatchObject({
      policyId: 'prod-advance',
      decision: 'REQUIRE_APPROVAL',
      approvers: ['alice'],
      policySetHash: HASH,
    });
    expect(decidePolicy(POLICIES, prod('set-weight', 'payment-api'), HASH).policyId).toBe('prod-advance');
    expect(decidePolicy(POLICIES, prod('rollback', 'payment-api'), HASH)).toMatchObject({ policyId: 'payments-frozen', decision: 'DENY' });
    expect(decidePolicy(POLICIES, prod('rollback'), HASH)).toMatchObject({ policyId: 'prod-anything', decision: 'ALLOW' });
  });

  it('no match is ALLOW with no policy id', () => {
    expect(decidePolicy(POLICIES, { environment: 'staging', service: 'checkout', action: 'complete' }, HASH)).toMatchObject({
      policyId: null,
      decision: 'ALLOW',
    });
    expect(decidePolicy([], prod('complete'), policySetHash([]))).toMatchObject({ policyId: null, decision: 'ALLOW' });
  });

  it('says why, with the policy reason', () => {
    expect(decidePolicy(POLICIES, prod('manual-promote'), HASH).reason).toBe(
      'policy no-manual-promote decides DENY for manual-promote in production: only through the analysis',
    );
  });

  it('the policy-set hash changes with any policy and with their order', () => {
    expect(HASH).toMatch(/^[0-9a-f]{64}$/);
    expect(policySetHash([...POLICIES].reverse())).not.toBe(HASH);
    expect(policySetHash([{ ...(POLICIES[0] as (typeof POLICIES)[number]), expiresMs: 1 }, ...POLICIES.slice(1)])).not.toBe(HASH);
  });

  it('strictest: DENY over REQUIRE_APPROVAL over ALLOW', () => {
    const allow = decidePolicy(POLICIES, prod('rollback'), HASH);
    const approval = decidePolicy(POLICIES, prod('set-weight'), HASH);
    const deny = decidePolicy(POLICIES, prod('manual-promote'), HASH);
    expect(strictest([allow, approval, deny])).toBe(deny);
    expect(strictest([allow, approval])).toBe(approval);
    expect(strictest([])).toBeUndefined();
  });
});

describe('gate', () => {
  const rules = { policies: POLICIES, policySetHash: HASH, freezes: [] as FreezeRecord[] };
  const subject = { environment: 'production', service: 'checkout' };
  const setWeight = { type: 'set-weight' as const, step: 1, weight: 50 };
  const rollback = { type: 'rollback' as const, step: 1, weight: 50 };

  it('decides the manual action and every adapter action; the strictest decides', () => {
    const outcome = gate(rules, subject, [setWeight], 'manual-promote');
    expect(outcome.kind).toBe('deny');
    expect(outcome.decisions.map((d) => `${d.action}:${d.decision}`)).toEqual(['manual-promote:DENY', 'set-weight:REQUIRE_APPROVAL']);
    expect(gate(rules, subject, [setWeight]).kind).toBe('approval');
    expect(gate(rules, subject, [rollback]).kind).toBe('allow');
    expect(gate(rules, subject, []).kind).toBe('allow');
  });

  it('a freeze stops set-weight and complete of what it covers, never a rollback', () => {
    const freeze: FreezeRecord = {
      id: 'f1',
      reason: 'incident',
      scope: { environment: 'production' },
      createdBy: 'ops',
      createdAt: '',
      liftedBy: null,
      liftedAt: null,
    };
    const frozen = { ...rules, freezes: [freeze] };
    expect(gate(frozen, subject, [setWeight])).toMatchObject({ kind: 'frozen', freeze });
    expect(gate(frozen, subject, [{ type: 'complete', step: 2, weight: 100 }]).kind).toBe('frozen');
    expect(gate(frozen, subject, [rollback]).kind).toBe('allow');
    expect(gate(frozen, { ...subject, environment: 'staging' }, [setWeight]).kind).toBe('allow');
    expect(freezeCovers({ ...freeze, liftedAt: 'x', liftedBy: 'ops' }, subject)).toBe(false);
    expect(freezeCovers({ ...freeze, scope: {} }, { environment: 'dev', service: 'x' })).toBe(true);
    expect(freezeCovers({ ...freeze, scope: { service: 'search' } }, subject)).toBe(false);
  });

  it('follow-ups keep only the allowed calls', () => {
    const pauseDenied = { ...rules, policies: [policy({ id: 'no-pause', match: { action: ['pause'] }, decision: 'DENY' })] };
    expect(allowedFollowUps(pauseDenied, subject, [{ type: 'pause', step: 0, weight: 10 }]).actions).toEqual([]);
    expect(allowedFollowUps(rules, subject, [{ type: 'pause', step: 0, weight: 10 }]).actions).toHaveLength(1);
  });
});
