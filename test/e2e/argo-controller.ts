// An Argo Rollouts stand-in: for each canary step it sets the weight on the demo service, then
// polls canaryd as the web provider of the README's AnalysisTemplate does (POST /v1/gates/argo,
// jsonBody with the step's weight as a string) and reads the answer with Argo's conditions:
// result.verdict == "promote" → Successful (consecutiveSuccessLimit 1: the step's AnalysisRun
// succeeds), result.verdict == "abort" → Failed, anything else → Inconclusive (poll again).

import { randomUUID } from 'node:crypto';
import { signWebhookBody } from '../../src/adapters/webhook-signature.js';
import { requestJson } from './api-client.js';

export interface GatePoll {
  weight: number;
  status: number;
  analysisId: string;
  verdict: string;
  phase: string;
  step: number;
  forStep: number;
  observedWeight: number | null;
}

export interface ArgoRun {
  polls: GatePoll[];
  outcome: 'Successful' | 'Failed' | 'Timeout';
}

export interface ArgoOptions {
  daemonUrl: string;
  service: string;
  template: string;
  deployUrl: string;
  secret: string;
  steps: readonly number[];
  revision: string;
  /** Polls after the first promote of a step before Argo moves on (a slow controller; checks stickiness). */
  pollsAfterPromote: number;
  intervalMs: number;
  timeoutMs: number;
}

async function setWeight(options: ArgoOptions, step: number, weight: number): Promise<void> {
  const body = JSON.stringify({
    analysisId: `argo-${randomUUID()}`,
    action: 'set-weight',
    weight,
    step,
    target: { service: options.service, environment: 'e2e', version: 'v2' },
    rule: null,
    evidenceHash: '',
    idempotencyKey: `argo:${options.revision}:${step}:${weight}`,
    at: new Date().toISOString(),
  });
  const response = await fetch(options.deployUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Canaryd-Signature': signWebhookBody(options.secret, body, Date.now() / 1000) },
    body,
  });
  if (!response.ok) throw new Error(`the demo deployer refused set-weight ${weight}: ${response.status}`);
}

export async function runArgoCanary(options: ArgoOptions): Promise<ArgoRun> {
  const polls: GatePoll[] = [];
  const deadline = Date.now() + options.timeoutMs;
  for (const [index, weight] of options.steps.entries()) {
    await setWeight(options, index, weight);
    let promotedPolls = -1;
    for (;;) {
      if (Date.now() > deadline) return { polls, outcome: 'Timeout' };
      const answer = await requestJson<Omit<GatePoll, 'weight' | 'status'>>('POST', `${options.daemonUrl}/v1/gates/argo`, {
        template: options.template,
        args: { service: options.service },
        target: { service: options.service, environment: 'e2e', version: 'v2' },
        rollout: `e2e/${options.service}`,
        revision: options.revision,
        weight: String(weight),
      });
      polls.push({ ...answer.body, weight, status: answer.status });
      if (answer.status !== 200) return { polls, outcome: 'Failed' };
      if (answer.body.verdict === 'abort') return { polls, outcome: 'Failed' };
      if (answer.body.verdict === 'promote') {
        promotedPolls += 1;
        if (promotedPolls >= options.pollsAfterPromote) break;
      }
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
    }
  }
  return { polls, outcome: 'Successful' };
}
