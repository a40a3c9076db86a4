import { describe, expect, it } from 'vitest';

import type { Phase, RuleRef, VerdictAction } from '../../../src/analysis/types.js';
import { analysisViewSchema } from '../../../src/http/schemas/analysis.js';
import { eventListSchema } from '../../../src/http/schemas/events.js';
import { verdictViewSchema } from '../../../src/http/schemas/verdict.js';
import { verifyEventChain } from '../../../src/store/event-chain.js';
import type { StoredEvent } from '../../../src/store/types.js';
import { makeTickVerdict, makeView } from './fake-service.js';
import { errorOf, json, startApi, VALID_CREATE } from './harness.js';

const MANUAL: RuleRef = { id: 'manual', group: 'builtin' };
const HEALTHY: RuleRef = { id: 'healthy', group: 'promote' };
const LOW_TRAFFIC: RuleRef = { id: 'low-traffic', group: 'hold' };

describe('GET /v1/analyses/:id/verdict', () => {
  const phases: Array<[Phase, VerdictAction | null, RuleRef | null, VerdictAction]> = [
    ['pending', null, null, 'continue'],
    ['running', 'hold', LOW_TRAFFIC, 'hold'],
    ['running', 'promote', HEALTHY, 'promote'],
    ['paused', 'hold', LOW_TRAFFIC, 'hold'],
    ['succeeded', 'promote', HEALTHY, 'promote'],
    ['aborted', 'abort', MANUAL, 'abort'],
    ['failed', 'continue', null, 'continue'],
  ];

  it.each(phases)('answers 200 for a %s analysis (last tick %s) with verdict %s', async (phase, lastAction, rule, expected) => {
    const { app, service } = await startApi();
    const lastVerdict = lastAction === null ? null : makeTickVerdict(lastAction, rule);
    service.put(makeView({ id: 'a', phase, step: 2, weight: 25, lastVerdict }));
    const response = await app.inject({ method: 'GET', url: '/v1/analyses/a/verdict' });
    expect(response.statusCode).toBe(200);
    const verdict = verdictViewSchema.parse(json(response));
    expect(verdict).toMatchObject({ verdict: expected, phase, step: 2, weight: 25, rule });
    expect(Object.keys(json(response) as object).sort()).toEqual(['at', 'evidenceHash', 'phase', 'reason', 'rule', 'step', 'verdict', 'weight']);
  });

  it('answers promote for a succeeded analysis and abort for an aborted one even when the last tick said otherwise', async () => {
    const { app, service } = await startApi();
    service.put(makeView({ id: 'done', phase: 'succeeded', decidedBy: MANUAL, lastVerdict: makeTickVerdict('hold', LOW_TRAFFIC) }));
    service.put(makeView({ id: 'gone', phase: 'aborted', decidedBy: MANUAL, lastVerdict: makeTickVerdict('continue', null) }));
    const done = verdictViewSchema.parse(json(await app.inject({ method: 'GET', url: '/v1/analyses/done/verdict' })));
    const gone = verdictViewSchema.parse(json(await app.inject({ method: 'GET', url: '/v1/analyses/gone/verdict' })));
    expect([done.verdict, gone.verdict]).toEqual(['promote', 'abort']);
  });

  it('answers 404 only for an unknown analysis', async () => {
    const { app } = await startApi();
    const response = await app.inject({ method: 'GET', url: '/v1/analyses/unknown/verdict' });
    expect(errorOf(response)).toMatchObject({ status: 404, code: 'not-found' });
  });
});

describe('GET /v1/analyses/:id with a full verdict', () => {
  it('answers the evidence, with a non-finite judge number as null', async () => {
    const { app, service } = await startApi();
    service.put(makeView({ id: 'a', lastVerdict: makeTickVerdict('promote', HEALTHY) }));
    const response = await app.inject({ method: 'GET', url: '/v1/analyses/a' });
    expect(response.statusCode).toBe(200);
    const view = analysisViewSchema.parse(json(response));
    expect(view.lastVerdict?.metrics[0]?.judge?.details).toEqual({ meanRatio: null, n: 30, bins: [1, 2] });
    expect(view.lastVerdict?.conditions.map((condition) => condition.truth)).toEqual(['true', 'unknown']);
    expect(view.lastVerdict?.metrics[1]).toMatchObject({ missing: true, message: 'query returned no series', baseline: null });
  });
});

describe('POST /v1/analyses/:id/actions', () => {
  async function created() {
    const api = await startApi();
    const response = await api.app.inject({ method: 'POST', url: '/v1/analyses', payload: VALID_CREATE });
    const id = analysisViewSchema.parse(json(response)).id;
    const act = (body: unknown) => api.app.inject({ method: 'POST', url: `/v1/analyses/${id}/actions`, payload: body as Record<string, unknown> });
    return { ...api, id, act };
  }

  it('records the actor and reason and answers the new state', async () => {
    const { service, id, act } = await created();
    const paused = await act({ action: 'pause', reason: 'investigating latency', actor: 'alice' });
    expect(paused.statusCode).toBe(200);
    expect(analysisViewSchema.parse(json(paused)).phase).toBe('paused');
    const resumed = await act({ action: 'resume', reason: '  false alarm  ', actor: 'alice' });
    expect(analysisViewSchema.parse(json(resumed)).phase).toBe('running');
    const promoted = await act({ action: 'promote', reason: 'looks good', actor: 'bob' });
    expect(analysisViewSchema.parse(json(promoted))).toMatchObject({ phase: 'running', step: 1, weight: 5 });
    const aborted = await act({ action: 'abort', reason: 'customer reports', actor: 'carol' });
    expect(analysisViewSchema.parse(json(aborted))).toMatchObject({ phase: 'aborted', decidedBy: MANUAL });
    expect(service.actions).toEqual([
      { id, action: 'pause', reason: 'investigating latency', actor: 'alice' },
      { id, action: 'resume', reason: 'false alarm', actor: 'alice' },
      { id, action: 'promote', reason: 'looks good', actor: 'bob' },
      { id, action: 'abort', reason: 'customer reports', actor: 'carol' },
    ]);
  });

  it('answers 409 invalid-transition when the phase does not allow the action', async () => {
    const { act } = await created();
    const response = await act({ action: 'resume', reason: 'why not', actor: 'alice' });
    expect(errorOf(response)).toMatchObject({ status: 409, code: 'invalid-transition' });
    expect(errorOf(response).message).toContain('cannot resume');
  });

  it.each([
    [{ action: 'pause', actor: 'alice' }, 'reason', /reason: required/],
    [{ action: 'pause', reason: 'x', actor: '   ' }, 'actor', /actor: must not be empty/],
    [{ action: 'rollback', reason: 'x', actor: 'a' }, 'action', /action: must be one of pause, resume, abort, promote/],
    [{ action: 'pause', reason: 'x', actor: 'a', force: true }, 'force', /force: unknown field/],
    [{ action: 'pause', reason: 42, actor: 'a' }, 'reason', /reason: must be a string/],
  ])('refuses %j with 400 naming %s', async (body, field, message) => {
    const { act, service } = await created();
    const response = await act(body);
    expect(errorOf(response)).toMatchObject({ status: 400, code: 'invalid-request', field });
    expect(errorOf(response).message).toMatch(message);
    expect(service.actions).toEqual([]);
  });

  it('answers 404 for an unknown analysis', async () => {
    const { app } = await startApi();
    const response = await app.inject({
      method: 'POST',
      url: '/v1/analyses/nope/actions',
      payload: { action: 'abort', reason: 'x', actor: 'a' },
    });
    expect(errorOf(response)).toMatchObject({ status: 404, code: 'not-found' });
  });
});

describe('GET /v1/analyses/:id/events', () => {
  it('answers the hash-chained trail, which verifies', async () => {
    const { app, service } = await startApi();
    const id = analysisViewSchema.parse(json(await app.inject({ method: 'POST', url: '/v1/analyses', payload: VALID_CREATE }))).id;
    await app.inject({ method: 'POST', url: `/v1/analyses/${id}/actions`, payload: { action: 'pause', reason: 'r', actor: 'alice' } });
    const response = await app.inject({ method: 'GET', url: `/v1/analyses/${id}/events` });
    expect(response.statusCode).toBe(200);
    const { events } = eventListSchema.parse(json(response));
    expect(events.map((event) => [event.seq, event.type])).toEqual([
      [1, 'created'],
      [2, 'manual-action'],
    ]);
    expect(events[1]?.prevHash).toBe(events[0]?.hash);
    expect(events[1]?.payload).toMatchObject({ actor: 'alice', rule: 'manual' });
    expect(verifyEventChain(events as StoredEvent[])).toEqual({ ok: true });
    expect(events).toEqual(service.trails.get(id));
  });

  it('answers 404 for an unknown analysis', async () => {
    const { app } = await startApi();
    expect(errorOf(await app.inject({ method: 'GET', url: '/v1/analyses/nope/events' }))).toMatchObject({ status: 404, code: 'not-found' });
  });
});
