// Shared by the daemon tests of the control boundary: principals, the policies, a daemon
// with policies on a manual clock.

import { expect } from 'vitest';
import { DomainError } from '../../../src/analysis/errors.js';
import type { Policy, Principal } from '../../../src/control/types.js';
import { createControlContext } from '../../../src/daemon/control-context.js';
import type { CreateAnalysisRequest } from '../../../src/daemon/service-types.js';
import { MINUTE, testDaemon, type TestDaemon } from './daemon-fixtures.js';

export const PROD = { service: 'checkout', environment: 'production', version: 'v2' };
export const CREATE: CreateAnalysisRequest = { template: 'web', args: { service: 'checkout' }, mode: 'drive', adapter: 'deployer', target: PROD };

export const principal = (name: string, environments: string[] | null = null): Principal => ({
  name,
  scopes: ['read', 'analyses:create', 'actions', 'approve', 'admin'],
  environments,
});
export const ARGO = principal('argo-rollouts');
export const ALICE = principal('alice');
export const CAROL = principal('carol');

export const APPROVE_ADVANCES: Policy = {
  id: 'prod-advance-needs-approval',
  match: { environment: ['production'], action: ['set-weight', 'complete'] },
  decision: 'REQUIRE_APPROVAL',
  approvers: ['alice', 'ops-admin'],
  expiresMs: 15 * MINUTE,
};
export const NO_MANUAL_PROMOTE: Policy = {
  id: 'no-manual-promote-in-prod',
  match: { environment: ['production'], action: ['manual-promote'] },
  decision: 'DENY',
  approvers: [],
  expiresMs: 15 * MINUTE,
  reason: 'production advances only through the analysis',
};

export async function started(policies: Policy[], options: Parameters<typeof testDaemon>[0] = {}): Promise<TestDaemon> {
  const t = testDaemon({ ...options, control: createControlContext(policies, true) });
  await t.daemon.start();
  return t;
}

export async function refusal(run: () => Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return { code: (error as DomainError).code, message: (error as DomainError).message };
  }
  throw new Error('expected a DomainError');
}

export async function pendingApproval(t: TestDaemon) {
  const [approval, ...others] = await t.daemon.control.listApprovals('pending');
  expect(others).toEqual([]);
  if (approval === undefined) throw new Error('no pending approval');
  return approval;
}
