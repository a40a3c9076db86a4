import { describe, expect, it } from 'vitest';
import { tickKey } from '../../../src/daemon/context.js';
import { tickAnalysis } from '../../../src/daemon/runner.js';
import { verifyEventChain } from '../../../src/store/types.js';
import { METRICS_RETENTION_MS } from '../../../src/telemetry/metrics.js';
import { FAILING, HEALTHY, metricValue, MINUTE, T0, TARGET, testDaemon, type TestDaemon } from './daemon-fixtures.js';

async function started(t: TestDaemon = testDaemon()): Promise<TestDaemon> {
  await t.daemon.start();
  return t;
}

async function createDrive(t: TestDaemon): Promise<string> {
  const view = await t.daemon.service.create({ template: 'web', args: { service: 'checkout' }, mode: 'drive', adapter: 'deployer', target: TARGET });
  await t.daemon.idle();
  return view.id;
}

describe('runner: drive mode', () => {
  it('sets the first weight at creation, promotes through every step with a set-weight each, then completes', async () => {
    const t = await started();
    const id = await createDrive(t);
    expect(t.adapter.actions()).toEqual(['set-weight:10']);
    expect(t.scheduler.nextAt(tickKey(id))).toBe(T0 + MINUTE);

    await t.scheduler.advance(1 * MINUTE);
    expect((await t.daemon.service.verdict(id)).verdict).toBe('continue'); // promote fired before minDuration
    await t.scheduler.advance(1 * MINUTE);
    expect(t.adapter.actions()).toEqual(['set-weight:10', 'set-weight:50']);
    await t.scheduler.advance(2 * MINUTE);
    expect(t.adapter.actions()).toEqual(['set-weight:10', 'set-weight:50', 'set-weight:100']);
    await t.scheduler.advance(2 * MINUTE);
    await t.daemon.idle();

    expect(t.adapter.actions()).toEqual(['set-weight:10', 'set-weight:50', 'set-weight:100', 'complete:100']);
    const view = await t.daemon.service.get(id);
    expect(view).toMatchObject({ phase: 'succeeded', step: 2, weight: 100, decidedBy: { id: 'healthy', group: 'promote' } });
    expect(await t.daemon.service.verdict(id)).toMatchObject({ verdict: 'promote', phase: 'succeeded', rule: { id: 'healthy' } });
    expect(t.scheduler.has(tickKey(id))).toBe(false);

    const calls = await t.store.callsFor(id);
    expect(calls.map((call) => call.status)).toEqual(['done', 'done', 'done', 'done']);
    for (const call of calls) expect(call.idempotencyKey).toBe(`${id}:${call.request.step}:${call.request.action}:${call.request.evidenceHash}`);
    expect(new Set(calls.map((call) => call.idempotencyKey)).size).toBe(4);

    const events = await t.store.listEvents(id);
    expect(verifyEventChain(events)).toEqual({ ok: true });
    const decisions = events.filter((event) => event.type === 'decision').map((event) => event.payload['decision']);
    expect(decisions).toEqual(['promote', 'promote', 'complete']);
    expect(events.filter((event) => event.type === 'tick')).toHaveLength(6);
  });

  it('aborts on an abort rule and rolls back, recording the rule and evidence hash once', async () => {
    const t = await started();
    const id = await createDrive(t);
    t.source.values = FAILING;
    await t.scheduler.advance(MINUTE);
    await t.daemon.idle();

    expect(t.adapter.actions()).toEqual(['set-weight:10', 'rollback:10']);
    const verdict = await t.daemon.service.verdict(id);
    expect(verdict).toMatchObject({ verdict: 'abort', phase: 'aborted', rule: { id: 'error-spike', group: 'abort' } });
    const rollback = t.adapter.requests[1];
    expect(rollback?.evidenceHash).toBe(verdict.evidenceHash);
    expect(rollback?.rule).toEqual({ id: 'error-spike', group: 'abort' });

    const decision = (await t.store.listEvents(id)).find((event) => event.type === 'decision');
    expect(decision?.payload).toMatchObject({ decision: 'abort', rule: { id: 'error-spike' }, evidenceHash: verdict.evidenceHash });
    const logged = t.log.entries().filter((entry) => entry['decision'] !== undefined);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ analysisId: id, decision: 'abort', evidenceHash: verdict.evidenceHash, rule: { id: 'error-spike' } });
    expect(await metricValue(t.registry, 'canaryd_decisions_total', { verdict: 'abort', rule: 'error-spike' })).toBe(1);
    expect(await metricValue(t.registry, 'canaryd_analyses', { phase: 'aborted' })).toBe(1);
  });

  it('pauses with adapter-failed when a call still fails after its retries, and goes on after a resume', async () => {
    const t = await started();
    t.adapter.fail = (request) => request.action === 'set-weight' && request.weight === 50;
    const id = await createDrive(t);
    await t.scheduler.advance(2 * MINUTE);
    await t.daemon.idle();

    const view = await t.daemon.service.get(id);
    expect(view).toMatchObject({ phase: 'paused', step: 1, lastVerdict: { rule: { id: 'adapter-failed', group: 'builtin' } } });
    expect((await t.daemon.service.verdict(id)).verdict).toBe('hold');
    const events = await t.store.listEvents(id);
    const failed = events.find((event) => event.type === 'adapter-failed');
    expect(failed?.payload).toMatchObject({ adapter: 'deployer', action: 'set-weight', weight: 50, error: 'deployer answered 503', attempts: 4 });
    expect((await t.store.callsFor(id)).map((call) => call.status)).toEqual(['done', 'failed']);
    expect(await metricValue(t.registry, 'canaryd_adapter_calls_total', { action: 'set-weight', outcome: 'failure' })).toBe(1);
    expect(await metricValue(t.registry, 'canaryd_adapter_calls_total', { action: 'set-weight', outcome: 'retry' })).toBe(3);

    const ticksBefore = events.filter((event) => event.type === 'tick').length;
    await t.scheduler.advance(3 * MINUTE); // paused: no judgement
    expect((await t.store.listEvents(id)).filter((event) => event.type === 'tick')).toHaveLength(ticksBefore);

    t.adapter.fail = () => false;
    await t.daemon.service.act(id, { action: 'resume', actor: 'alice', reason: 'deployer fixed' });
    await t.daemon.idle();
    expect(t.adapter.actions().at(-1)).toBe('resume:50');
    await t.scheduler.advance(10 * MINUTE);
    await t.daemon.idle();
    expect((await t.daemon.service.get(id)).phase).toBe('succeeded');
    expect(t.adapter.actions().slice(-2)).toEqual(['set-weight:100', 'complete:100']);
  });

  it('marks a failed complete as failed (never reports a promotion that did not happen)', async () => {
    const t = await started();
    t.adapter.fail = (request) => request.action === 'complete';
    const id = await createDrive(t);
    await t.scheduler.advance(6 * MINUTE);
    await t.daemon.idle();
    expect(await t.daemon.service.verdict(id)).toMatchObject({ phase: 'failed', verdict: 'hold', rule: { id: 'adapter-failed' } });
  });
});

describe('runner: observe mode', () => {
  it('judges and moves through the steps without any adapter call', async () => {
    const t = await started();
    const { id } = await t.daemon.service.create({ template: 'web', args: { service: 'checkout' }, mode: 'observe', target: TARGET });
    await t.scheduler.advance(2 * MINUTE);
    expect(await t.daemon.service.verdict(id)).toMatchObject({ verdict: 'promote', phase: 'running', step: 1, weight: 50 });
    await t.scheduler.advance(4 * MINUTE);
    await t.daemon.idle();
    expect((await t.daemon.service.get(id)).phase).toBe('succeeded');
    expect(t.adapter.requests).toEqual([]);
    expect(await t.store.callsFor(id)).toEqual([]);
  });
});

describe('runner: scheduling and concurrency', () => {
  it('never overlaps ticks of one analysis; a skipped slot counts as lag of the next run', async () => {
    const t = await started();
    const id = await createDrive(t);
    const release = t.source.block();
    await t.scheduler.advance(MINUTE, { awaitRuns: false }); // tick 1 starts and hangs on the source
    await t.scheduler.advance(2 * MINUTE, { awaitRuns: false }); // slots 2 and 3 come due while it runs
    expect(t.scheduler.skips.get(tickKey(id))).toBe(2);
    release();
    await t.scheduler.idle();
    await t.daemon.idle();
    expect((await t.store.listEvents(id)).filter((event) => event.type === 'tick')).toHaveLength(1);

    await t.scheduler.advance(MINUTE); // slot 4 runs; it serves the first skipped slot (T0+2m)
    expect((await t.store.listEvents(id)).filter((event) => event.type === 'tick')).toHaveLength(2);
    expect(await metricValue(t.registry, 'canaryd_tick_lag_seconds_sum', { template: 'web' })).toBe(120);
    expect(t.scheduler.errors).toEqual([]);
  });

  it('skips a stale tick when a manual action commits while it measures', async () => {
    const t = await started();
    const id = await createDrive(t);
    const release = t.source.block();
    const ticking = tickAnalysis(t.daemon.context, id, { scheduledAt: T0 + MINUTE, skipped: 0 });
    await t.daemon.service.act(id, { action: 'pause', actor: 'bob', reason: 'incident' });
    release();
    expect(await ticking).toBe('conflict');
    expect((await t.daemon.service.get(id)).phase).toBe('paused');
    expect((await t.store.listEvents(id)).filter((event) => event.type === 'tick')).toHaveLength(0);
  });

  it('forgets the metric series of an ended analysis after the retention time', async () => {
    const t = await started();
    const id = await createDrive(t);
    t.source.values = FAILING;
    await t.scheduler.advance(MINUTE);
    await t.daemon.idle();
    expect(t.daemon.context.metrics.trackedAnalyses()).toContain(id);

    await t.scheduler.runCron('metrics-retention');
    expect(t.daemon.context.metrics.trackedAnalyses()).toContain(id); // not yet
    await t.scheduler.advance(METRICS_RETENTION_MS);
    await t.scheduler.runCron('metrics-retention');
    expect(t.daemon.context.metrics.trackedAnalyses()).not.toContain(id);
    expect(t.scheduler.cronExpression('metrics-retention')).toBe('* * * * *');
  });

  it('records query outcomes per source and keeps judging when the source fails', async () => {
    const t = await started();
    const id = await createDrive(t);
    t.source.values = { requests: HEALTHY['requests'] ?? { baseline: 0, canary: 0 } }; // error_rate now missing
    await t.scheduler.advance(MINUTE);
    expect(await metricValue(t.registry, 'canaryd_source_queries_total', { source: 'default', outcome: 'missing' })).toBe(2);
    expect(await metricValue(t.registry, 'canaryd_source_queries_total', { source: 'default', outcome: 'ok' })).toBe(2);
    expect((await t.daemon.service.verdict(id)).verdict).toBe('continue');
  });
});
