// A deployment controller for observe mode: it owns the traffic, polls canaryd's verdict API and
// moves the demo service's canary weight to the step canaryd reports — canaryd itself calls no one.

import { randomUUID } from 'node:crypto';
import { signWebhookBody } from '../../src/adapters/webhook-signature.js';
import { getVerdict, TERMINAL_PHASES, type VerdictView } from './api-client.js';

export const CONTROLLER_KEY_PREFIX = 'controller:';

export interface ObserveController {
  /** Every verdict answer polled, in order. */
  polled(): VerdictView[];
  /** Non-2xx answers of the verdict API (must stay empty). */
  failures(): string[];
  /** Resolves when the analysis has ended (or stop() was called). */
  done: Promise<void>;
  stop(): void;
}

export function startObserveController(options: {
  daemonUrl: string;
  analysisId: string;
  service: string;
  deployUrl: string;
  secret: string;
}): ObserveController {
  const polled: VerdictView[] = [];
  const failures: string[] = [];
  let stopped = false;
  let appliedWeight = 0;

  async function setWeight(step: number, weight: number, action: 'set-weight' | 'rollback'): Promise<void> {
    const body = JSON.stringify({
      analysisId: `controller-${randomUUID()}`,
      action,
      weight,
      step,
      target: { service: options.service, environment: 'e2e', version: 'v2' },
      rule: null,
      evidenceHash: '',
      idempotencyKey: `${CONTROLLER_KEY_PREFIX}${step}:${action}:${weight}`,
      at: new Date().toISOString(),
    });
    const response = await fetch(options.deployUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Canaryd-Signature': signWebhookBody(options.secret, body, Date.now() / 1000) },
      body,
    });
    if (!response.ok) throw new Error(`the demo deployer refused the controller's ${action}: ${response.status}`);
    appliedWeight = weight;
  }

  async function loop(): Promise<void> {
    while (!stopped) {
      const answer = await getVerdict(options.daemonUrl, options.analysisId);
      if (answer.status !== 200) {
        failures.push(`${answer.status} ${JSON.stringify(answer.body)}`);
      } else {
        const verdict = answer.body;
        polled.push(verdict);
        if (verdict.phase === 'aborted') await setWeight(verdict.step, 0, 'rollback');
        else if (verdict.weight !== appliedWeight) await setWeight(verdict.step, verdict.weight, 'set-weight');
        if (TERMINAL_PHASES.has(verdict.phase)) return;
      }
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  }

  const done = loop();
  return {
    polled: () => [...polled],
    failures: () => [...failures],
    done,
    stop: () => {
      stopped = true;
    },
  };
}
