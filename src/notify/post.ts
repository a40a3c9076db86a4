// One POST of a notification: axios, like the webhook adapter (its JSON transform and redirects
// off, so the bytes signed are the bytes sent). Failures are data; their messages never name the
// URL, whose path is the secret for a Slack incoming webhook.

import axios from 'axios';
import { createWebhookClient } from '../adapters/webhook-http.js';

export type PostOutcome = { ok: true; status: number } | { ok: false; error: string };

const MAX_ANSWER_BYTES = 64 * 1024;
const ANSWER_EXCERPT_CHARS = 120;

// No proxy from the environment: a sink is called directly, as configured.
const client = createWebhookClient({ maxAnswerBytes: MAX_ANSWER_BYTES, proxy: false });

function transportError(error: unknown, timeoutMs: number, deadlineHit: boolean): string {
  if (deadlineHit) return `no answer within ${timeoutMs}ms`;
  if (axios.isAxiosError(error)) {
    if (error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT') return `no answer within ${timeoutMs}ms`;
    return `connection failed${error.code ? ` (${error.code})` : ''}`;
  }
  return 'the request failed';
}

export interface PostRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  /** Aborts the request when the daemon stops. */
  signal?: AbortSignal;
  /** Removed from any answer excerpt (a receiver may echo what it got). */
  secrets: readonly string[];
}

export async function postJson(request: PostRequest): Promise<PostOutcome> {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), request.timeoutMs);
  const signal = request.signal === undefined ? deadline.signal : AbortSignal.any([deadline.signal, request.signal]);
  try {
    const response = await client.post<string>(request.url, request.body, {
      headers: { 'Content-Type': 'application/json', 'User-Agent': 'canaryd', ...request.headers },
      signal,
      timeout: request.timeoutMs,
    });
    if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status };
    let answer = typeof response.data === 'string' ? response.data.replace(/\s+/g, ' ').trim() : '';
    for (const secret of request.secrets) if (secret !== '') answer = answer.split(secret).join('[redacted]');
    const excerpt = answer.length > ANSWER_EXCERPT_CHARS ? `${answer.slice(0, ANSWER_EXCERPT_CHARS)}…` : answer;
    return { ok: false, error: `answered ${response.status}${excerpt ? `: ${excerpt}` : ''}` };
  } catch (error) {
    return { ok: false, error: request.signal?.aborted ? 'stopped' : transportError(error, request.timeoutMs, deadline.signal.aborted) };
  } finally {
    clearTimeout(timer);
  }
}
