// Deployment adapters: how canaryd, in drive mode, tells a deployer to set a weight, complete,
// roll back, pause or resume. Argo Rollouts and others can follow behind the same interface.

import type { AdapterAction, Target } from '../analysis/types.js';

export type { AdapterAction } from '../analysis/types.js';

/** What canaryd asks of an adapter; the webhook adapter POSTs exactly these fields. */
export interface AdapterRequest {
  analysisId: string;
  action: AdapterAction;
  weight: number;
  step: number;
  target: Target;
  rule: { id: string; group: string } | null;
  evidenceHash: string;
  idempotencyKey: string;
  at: string;
  /** A release rollback (POST /v1/releases/rollback): the version to go back to, who asked and why. */
  toVersion?: string;
  actor?: string;
  reason?: string;
}

/** A rollback to a named version asked for through the release API, not a decision of the analysis. */
export function isReleaseRollback(request: AdapterRequest): boolean {
  return request.action === 'rollback' && request.toVersion !== undefined;
}

/** Failures are data: an adapter never throws for a call that did not succeed. */
export type AdapterResult = { ok: true; attempts: number; status?: number } | { ok: false; attempts: number; error: string };

export interface DeploymentAdapter {
  readonly name: string;
  readonly type: string;
  /** `signal` aborts when the daemon stops: give up (answer a failure) instead of retrying on. */
  call(request: AdapterRequest, options?: { signal?: AbortSignal }): Promise<AdapterResult>;
}

/** The key of §4: the same decision (analysis, step, action, evidence) always yields the same key. */
export function idempotencyKey(analysisId: string, step: number, action: AdapterAction, evidenceHash: string): string {
  return `${analysisId}:${step}:${action}:${evidenceHash}`;
}

/** Injected so that tests of retries do not wait. */
export interface Sleeper {
  sleep(ms: number): Promise<void>;
}

export const realSleeper: Sleeper = {
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
