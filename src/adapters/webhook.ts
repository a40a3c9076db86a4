// The webhook adapter of architecture.md §5: POST the request as JSON with an Idempotency-Key and,
// with a secret, a Canaryd-Signature; 2xx is success, anything else is retried with backoff.
//
// HTTP client: axios, the project's HTTP client (the Prometheus source uses it too), so transport
// errors are classified one way and proxy settings from the environment apply alike to both.
// Two axios defaults are switched off on purpose: its JSON transform (it trims string bodies, and
// the signature covers the exact bytes sent) and redirects (a redirected POST is not a 2xx answer
// of the configured receiver).

import axios from 'axios';
import { DomainError } from '../analysis/errors.js';
import { backoffDelayMs } from './backoff.js';
import type { AdapterRequest, AdapterResult, DeploymentAdapter, Sleeper } from './types.js';
import { realSleeper } from './types.js';
import { createWebhookClient } from './webhook-http.js';
import { SIGNATURE_HEADER, signWebhookBody } from './webhook-signature.js';

export { verifyWebhookSignature, signWebhookBody, SIGNATURE_HEADER } from './webhook-signature.js';

export interface WebhookAdapterOptions {
  name: string;
  url: string;
  secret?: string;
  timeoutMs: number;
  /** Attempts after the first one. */
  retries: number;
  sleeper?: Sleeper;
  /** Epoch ms, for the signature timestamp. */
  now?: () => number;
  /** For deterministic jitter in tests. */
  random?: () => number;
}

const MAX_ANSWER_BYTES = 1024 * 1024;
const ANSWER_EXCERPT_CHARS = 200;

type AttemptOutcome = { ok: true; status: number } | { ok: false; error: string };

/** The exact bytes POSTed: the request's fields in the contract's order. */
export function webhookBody(request: AdapterRequest): string {
  const { analysisId, action, weight, step, target, rule, evidenceHash, idempotencyKey, at, toVersion, actor, reason } = request;
  // A release rollback adds what it rolls back to, who asked and why (absent fields are not written).
  return JSON.stringify({ analysisId, action, weight, step, target, rule, evidenceHash, idempotencyKey, at, toVersion, actor, reason });
}

function urlForMessages(url: URL): string {
  const shown = new URL(url.href);
  shown.username = '';
  shown.password = '';
  shown.search = '';
  return shown.href;
}

function transportError(error: unknown, timeoutMs: number, deadlineHit: boolean): string {
  if (deadlineHit) return `no answer within ${timeoutMs}ms`;
  if (axios.isAxiosError(error)) {
    if (error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT') return `no answer within ${timeoutMs}ms`;
    return `connection failed${error.code ? ` (${error.code})` : ''}: ${error.message}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** The backoff wait, cut short when the daemon stops. */
function sleepUnlessAborted(sleeper: Sleeper, ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return sleeper.sleep(ms);
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    signal.addEventListener('abort', () => resolve(), { once: true });
    void sleeper.sleep(ms).then(resolve);
  });
}

export function createWebhookAdapter(options: WebhookAdapterOptions): DeploymentAdapter {
  const { name, secret, timeoutMs, retries } = options;
  const sleeper = options.sleeper ?? realSleeper;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  let url: URL;
  try {
    url = new URL(options.url);
  } catch (cause) {
    throw new DomainError('invalid-config', `adapter "${name}": url is not a URL`, 'url', { cause });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new DomainError('invalid-config', `adapter "${name}": url must be http or https, not ${url.protocol}`, 'url');
  }
  if (!(timeoutMs > 0)) throw new DomainError('invalid-config', `adapter "${name}": timeout must be positive`, 'timeout');
  if (!Number.isInteger(retries) || retries < 0) {
    throw new DomainError('invalid-config', `adapter "${name}": retries must be a whole number ≥ 0`, 'retries');
  }
  const shownUrl = urlForMessages(url);
  const client = createWebhookClient({ maxAnswerBytes: MAX_ANSWER_BYTES, timeoutMs });

  function redact(text: string): string {
    return secret ? text.split(secret).join('[redacted]') : text;
  }

  async function attempt(body: string, key: string, abandon: AbortSignal | undefined): Promise<AttemptOutcome> {
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'Idempotency-Key': key,
      'User-Agent': 'canaryd',
    };
    // Signed afresh for every attempt: the body and key stay the same, while the timestamp stays
    // current, so a retry after long backoffs is not refused by the receiver's replay window.
    if (secret) headers[SIGNATURE_HEADER] = signWebhookBody(secret, body, now() / 1000);
    // axios' own timeout is an idle timeout; the abort signal is the overall deadline.
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), timeoutMs);
    const signal = abandon === undefined ? deadline.signal : AbortSignal.any([deadline.signal, abandon]);
    try {
      const response = await client.post<string>(url.href, body, { headers, signal });
      if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status };
      const answer = typeof response.data === 'string' ? response.data.replace(/\s+/g, ' ').trim() : '';
      const excerpt = answer.length > ANSWER_EXCERPT_CHARS ? `${answer.slice(0, ANSWER_EXCERPT_CHARS)}…` : answer;
      return { ok: false, error: `answered ${response.status}${excerpt ? `: ${excerpt}` : ''}` };
    } catch (error) {
      return { ok: false, error: transportError(error, timeoutMs, deadline.signal.aborted) };
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    name,
    type: 'webhook',
    async call(request: AdapterRequest, callOptions?: { signal?: AbortSignal }): Promise<AdapterResult> {
      const body = webhookBody(request);
      const signal = callOptions?.signal;
      let lastError = '';
      for (let attempts = 1; attempts <= retries + 1; attempts += 1) {
        if (attempts > 1) await sleepUnlessAborted(sleeper, backoffDelayMs(attempts - 1, random), signal);
        if (signal?.aborted) return { ok: false, attempts: attempts - 1, error: `webhook adapter "${name}": abandoned, the daemon is stopping` };
        const outcome = await attempt(body, request.idempotencyKey, signal);
        if (outcome.ok) return { ok: true, attempts, status: outcome.status };
        lastError = outcome.error;
      }
      const message = `webhook adapter "${name}": POST ${shownUrl} failed after ${retries + 1} attempt(s); last: ${lastError}`;
      return { ok: false, attempts: retries + 1, error: redact(message) };
    },
  };
}
