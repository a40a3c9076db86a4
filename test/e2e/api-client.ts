// The verdict API as a deployment controller uses it (architecture.md §5), over real HTTP.

import { verifyEventChain, type StoredEvent } from '../../src/store/types.js';
import { waitFor } from './polling.js';
import { FAST_TEMPLATE } from './fast-template.js';
import { ADAPTER } from './traffic-stack.js';

export interface HttpAnswer<T> {
  status: number;
  body: T;
}

export interface RuleRef {
  id: string;
  group: string;
}

export interface MetricResultView {
  name: string;
  baseline: number | null;
  canary: number | null;
  missing: boolean;
  error: boolean;
  message?: string;
}

export interface AnalysisView {
  id: string;
  template: string;
  mode: 'drive' | 'observe';
  adapter: string | null;
  phase: string;
  step: number;
  steps: number;
  weight: number;
  decidedBy: RuleRef | null;
  lastVerdict: { action: string; rule: RuleRef | null; metrics: MetricResultView[]; evidenceHash: string; at: string } | null;
}

export interface VerdictView {
  verdict: 'promote' | 'abort' | 'hold' | 'continue';
  phase: string;
  step: number;
  weight: number;
  rule: RuleRef | null;
  reason: string;
  evidenceHash: string | null;
  at: string | null;
}

export async function requestJson<T>(method: 'GET' | 'POST', url: string, body?: unknown): Promise<HttpAnswer<T>> {
  const response = await fetch(url, {
    method,
    signal: AbortSignal.timeout(5_000),
    ...(body === undefined ? {} : { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${method} ${url} answered ${response.status} with a body that is not JSON: ${text.slice(0, 500)}`);
  }
  return { status: response.status, body: parsed as T };
}

export async function createAnalysis(daemonUrl: string, options: { service: string; mode: 'drive' | 'observe'; template?: string }): Promise<AnalysisView> {
  const answer = await requestJson<AnalysisView>('POST', `${daemonUrl}/v1/analyses`, {
    template: options.template ?? FAST_TEMPLATE,
    args: { service: options.service },
    mode: options.mode,
    ...(options.mode === 'drive' ? { adapter: ADAPTER } : {}),
    target: { service: options.service, environment: 'e2e', version: 'v2' },
  });
  if (answer.status !== 201) throw new Error(`creating the ${options.service} analysis: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

export async function getAnalysis(daemonUrl: string, id: string): Promise<AnalysisView> {
  const answer = await requestJson<AnalysisView>('GET', `${daemonUrl}/v1/analyses/${id}`);
  if (answer.status !== 200) throw new Error(`GET analysis ${id}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

export async function getVerdict(daemonUrl: string, id: string): Promise<HttpAnswer<VerdictView>> {
  return requestJson<VerdictView>('GET', `${daemonUrl}/v1/analyses/${id}/verdict`);
}

export async function getEvents(daemonUrl: string, id: string): Promise<StoredEvent[]> {
  const answer = await requestJson<{ events: StoredEvent[] }>('GET', `${daemonUrl}/v1/analyses/${id}/events`);
  if (answer.status !== 200) throw new Error(`GET events of ${id}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body.events;
}

export const TERMINAL_PHASES = new Set(['succeeded', 'aborted', 'failed']);

/** Polls the analysis until `done` holds; every view seen is passed to `onView` (e.g. to record verdicts). */
export async function waitForAnalysis(
  daemonUrl: string,
  id: string,
  what: string,
  done: (view: AnalysisView) => boolean,
  options: { timeoutMs: number; onView?: (view: AnalysisView) => void },
): Promise<AnalysisView> {
  let last: AnalysisView | undefined;
  return waitFor(
    `analysis ${id} ${what}`,
    async () => {
      last = await getAnalysis(daemonUrl, id);
      options.onView?.(last);
      return done(last) ? last : undefined;
    },
    {
      timeoutMs: options.timeoutMs,
      intervalMs: 150,
      lastSeen: () => (last === undefined ? 'nothing' : JSON.stringify({ phase: last.phase, step: last.step, lastVerdict: last.lastVerdict }).slice(0, 2_000)),
    },
  );
}

/** Problems with the trail as a reader sees it: empty when every prevHash links up and every hash recomputes. */
export function trailProblems(events: StoredEvent[]): string[] {
  const problems: string[] = [];
  if (events.length === 0) problems.push('the trail is empty');
  for (const [index, event] of events.entries()) {
    if (event.seq !== index + 1) problems.push(`event ${index} has seq ${event.seq}`);
    const previous = events[index - 1];
    if (previous !== undefined && event.prevHash !== previous.hash) problems.push(`seq ${event.seq}: prevHash is not seq ${previous.seq}'s hash`);
    if (!/^[0-9a-f]{64}$/.test(event.hash)) problems.push(`seq ${event.seq}: hash ${event.hash} is not sha256 hex`);
  }
  const verified = verifyEventChain(events);
  if (!verified.ok) problems.push(`verifyEventChain: seq ${verified.brokenAtSeq}: ${verified.reason}`);
  return problems;
}

export interface DecisionPayload {
  decision: string;
  rule: RuleRef | null;
  fromStep: number;
  step: number;
  weight: number;
  phase: string;
}

export function decisionsOf(events: StoredEvent[]): DecisionPayload[] {
  return events.filter((event) => event.type === 'decision').map((event) => event.payload as unknown as DecisionPayload);
}
