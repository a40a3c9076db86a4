// POST /v1/gates/argo (get-or-create on rollout+revision) and observe mode following the
// controller's weight: the step of the reported weight, a sticky promote, observed-weight.

import { describe, expect, it } from 'vitest';

import { FAILING, MINUTE } from '../daemon/daemon-fixtures.js';
import { argoBody, startGateApi } from './gate-harness.js';
import { errorOf } from './harness.js';

type Gate = {
  analysisId: string;
  verdict: string;
  step: number;
  weight: number;
  forStep: number;
  forWeight: number;
  observedWeight: number | null;
  phase: string;
  reason: string;
};

describe('POST /v1/gates/argo', () => {
  it('creates the analysis on the first poll (observe mode) and answers 200 with the verdict', async () => {
    const api = await startGateApi();
    const response = await api.post('/v1/gates/argo', argoBody());
    expect(response.statusCode).toBe(200);
    const gate = response.json() as Gate;
    expect(gate).toMatchObject({ verdict: 'continue', phase: 'running', step: 0, weight: 10, forStep: 0, forWeight: 10, observedWeight: null });
    const record = await api.store.getAnalysis(gate.analysisId);
    expect(record).toMatchObject({ mode: 'observe', adapter: null, template: 'web', target: { service: 'checkout', environment: 'prod', version: 'v2' } });
    expect(record?.state.follow).toEqual({ weight: null, promoted: false });
  });

  it('takes artifact and previousVersion into the release record (issue 9)', async () => {
    const api = await startGateApi();
    const gate = (await api.post('/v1/gates/argo', argoBody({ artifact: 'sha256:9f8e7d', previousVersion: 'v1' }))).json() as Gate;
    expect(await api.store.getAnalysis(gate.analysisId)).toMatchObject({ artifact: 'sha256:9f8e7d', previousVersion: 'v1' });
    const bad = await api.post('/v1/gates/argo', argoBody({ revision: 'x1', artifact: 'latest' }));
    expect(errorOf(bad)).toMatchObject({ status: 400, code: 'invalid-request', field: 'artifact' });
  });

  it('is idempotent on rollout+revision; a new revision is a new analysis', async () => {
    const api = await startGateApi();
    const first = (await api.post('/v1/gates/argo', argoBody())).json() as Gate;
    const again = (await api.post('/v1/gates/argo', argoBody())).json() as Gate;
    expect(again.analysisId).toBe(first.analysisId);
    const other = (await api.post('/v1/gates/argo', argoBody({ revision: '77aa11' }))).json() as Gate;
    expect(other.analysisId).not.toBe(first.analysisId);
    expect(await api.store.listAnalyses()).toHaveLength(2);
    const otherRollout = (await api.post('/v1/gates/argo', argoBody({ rollout: 'shop/cart' }))).json() as Gate;
    expect(otherRollout.analysisId).not.toBe(first.analysisId);
  });

  it('refuses the same revision with another target: 422 idempotency-key-reused on revision', async () => {
    const api = await startGateApi();
    await api.post('/v1/gates/argo', argoBody());
    const response = await api.post('/v1/gates/argo', argoBody({ target: { service: 'checkout', environment: 'prod', version: 'v3' } }));
    expect(errorOf(response)).toMatchObject({ status: 422, code: 'idempotency-key-reused', field: 'revision' });
  });

  it('takes the weight as Argo substitutes it (a string), as a number, or from the query', async () => {
    const api = await startGateApi();
    const asString = (await api.post('/v1/gates/argo', argoBody({ weight: '50' }))).json() as Gate;
    expect(asString).toMatchObject({ step: 1, weight: 50, observedWeight: 50 });
    const asQuery = (await api.post('/v1/gates/argo?weight=100', argoBody({ revision: 'b' }))).json() as Gate;
    expect(asQuery).toMatchObject({ step: 2, observedWeight: 100 });
    const between = (await api.post('/v1/gates/argo', argoBody({ revision: 'c', weight: 30 }))).json() as Gate;
    expect(between).toMatchObject({ step: 0, observedWeight: 30 });
  });

  it.each([
    [{ weight: 'twenty' }, 'weight'],
    [{ weight: 101 }, 'weight'],
    [{ revision: '' }, 'revision'],
    [{ rollout: undefined }, 'rollout'],
    [{ target: { service: 'checkout' } }, 'target.environment'],
  ])('refuses %j with 400 naming %s', async (override, field) => {
    const api = await startGateApi();
    const response = await api.post('/v1/gates/argo', argoBody(override));
    expect(errorOf(response)).toMatchObject({ status: 400, code: 'invalid-request', field });
  });

  it('holds a promote (sticky) until the controller moves to the next weight, saying which step it is for', async () => {
    const api = await startGateApi();
    const { analysisId } = (await api.post('/v1/gates/argo', argoBody({ weight: 10 }))).json() as Gate;
    await api.scheduler.advance(2 * MINUTE);
    await api.daemon.idle();
    const promoted = (await api.post('/v1/gates/argo', argoBody({ weight: 10 }))).json() as Gate;
    expect(promoted).toMatchObject({ analysisId, verdict: 'promote', phase: 'running', step: 0, forStep: 0, forWeight: 10 });
    expect(promoted.reason).toMatch(/holds until the controller moves to the next weight/);
    // Polled long after: still promote, no tick judged it away, canaryd did not move by itself.
    await api.scheduler.advance(5 * MINUTE);
    await api.daemon.idle();
    expect((await api.post('/v1/gates/argo', argoBody({ weight: '10' }))).json()).toMatchObject({ verdict: 'promote', step: 0 });
    // The controller moves to 50: step 2 starts afresh.
    const moved = (await api.post('/v1/gates/argo', argoBody({ weight: '50' }))).json() as Gate;
    expect(moved).toMatchObject({ verdict: 'continue', step: 1, weight: 50, forStep: 1, observedWeight: 50 });
    const events = await api.store.listEvents(analysisId);
    expect(events.filter((event) => event.type === 'observed-weight').map((event) => event.payload.step)).toEqual([0, 1]);
  });

  it('answers abort (and stays abort) when the canary fails', async () => {
    const api = await startGateApi();
    api.source.values = FAILING;
    await api.post('/v1/gates/argo', argoBody({ weight: 10 }));
    await api.scheduler.advance(MINUTE);
    await api.daemon.idle();
    expect((await api.post('/v1/gates/argo', argoBody({ weight: 10 }))).json()).toMatchObject({ verdict: 'abort', phase: 'aborted' });
  });

  it('succeeds with promote on the last weight', async () => {
    const api = await startGateApi();
    await api.post('/v1/gates/argo', argoBody({ weight: 100 }));
    await api.scheduler.advance(2 * MINUTE);
    await api.daemon.idle();
    expect((await api.post('/v1/gates/argo', argoBody({ weight: 100 }))).json()).toMatchObject({ verdict: 'promote', phase: 'succeeded', forStep: 2 });
  });

  it('needs analyses:create with auth (a read-only token gets 403)', async () => {
    const api = await startGateApi({
      principals: [
        { name: 'argo', token: 'argo-token', scopes: ['analyses:create', 'read'], environments: null },
        { name: 'viewer', token: 'viewer-token', scopes: ['read'], environments: null },
        { name: 'staging', token: 'staging-token', scopes: ['analyses:create'], environments: ['staging'] },
      ],
    });
    expect((await api.post('/v1/gates/argo', argoBody())).statusCode).toBe(401);
    expect(errorOf(await api.post('/v1/gates/argo', argoBody(), 'viewer-token'))).toMatchObject({ status: 403, code: 'forbidden' });
    expect(errorOf(await api.post('/v1/gates/argo', argoBody(), 'staging-token'))).toMatchObject({ status: 403, code: 'forbidden' });
    expect((await api.post('/v1/gates/argo', argoBody(), 'argo-token')).statusCode).toBe(200);
  });
});

describe('following a controller under the control boundary', () => {
  it('a freeze holds the promote a following analysis would give (no sticky promote while frozen)', async () => {
    const api = await startGateApi();
    await api.post('/v1/gates/argo', argoBody({ weight: 10 }));
    await api.daemon.control.createFreeze({ reason: 'incident 42' }, { name: 'alice', scopes: ['admin'], environments: null });
    await api.scheduler.advance(2 * MINUTE);
    await api.daemon.idle();
    const frozen = (await api.post('/v1/gates/argo', argoBody({ weight: 10 }))).json() as Gate & { rule: { id: string } | null };
    expect(frozen).toMatchObject({ verdict: 'hold', step: 0, rule: { id: 'freeze' } });
  });
});

describe('POST /v1/analyses/{id}/observed-weight', () => {
  it('moves an observe-mode analysis to the step of the weight and makes it follow the controller', async () => {
    const api = await startGateApi();
    const created = await api.daemon.service.create({
      template: 'web',
      args: { service: 'checkout' },
      mode: 'observe',
      target: { service: 'checkout', environment: 'prod', version: 'v2' },
    });
    const response = await api.post(`/v1/analyses/${created.id}/observed-weight`, { weight: 50 });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ analysisId: created.id, step: 1, weight: 50, observedWeight: 50, verdict: 'continue' });
    await api.scheduler.advance(2 * MINUTE);
    await api.daemon.idle();
    expect(await api.daemon.service.verdict(created.id)).toMatchObject({ verdict: 'promote', step: 1, forStep: 1 });
  });

  it('refuses drive mode (409 not-observe-mode), an unknown id (404) and a bad weight (400)', async () => {
    const api = await startGateApi();
    const drive = await api.daemon.service.create({
      template: 'web',
      args: { service: 'checkout' },
      mode: 'drive',
      adapter: 'deployer',
      target: { service: 'checkout', environment: 'prod', version: 'v2' },
    });
    expect(errorOf(await api.post(`/v1/analyses/${drive.id}/observed-weight`, { weight: 50 }))).toMatchObject({ status: 409, code: 'not-observe-mode' });
    expect(errorOf(await api.post('/v1/analyses/nope/observed-weight', { weight: 50 }))).toMatchObject({ status: 404, code: 'not-found' });
    expect(errorOf(await api.post(`/v1/analyses/${drive.id}/observed-weight`, { weight: -1 }))).toMatchObject({ status: 400, field: 'weight' });
  });
});
