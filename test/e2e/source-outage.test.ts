// Prometheus stopped mid-analysis: ticks fail as data, nothing is promoted, the daemon keeps
// answering, and after consecutiveErrorLimit the analysis pauses by the rule source-errors. With
// Prometheus back at the same address, an operator resumes it and it completes.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/store/types.js';
import type { RunningPrometheus } from '../helpers/prometheus.js';
import { startDaemon, type DaemonProcess } from './daemon-harness.js';
import {
  createAnalysis,
  decisionsOf,
  getEvents,
  getVerdict,
  requestJson,
  TERMINAL_PHASES,
  trailProblems,
  waitForAnalysis,
  type AnalysisView,
  type MetricResultView,
} from './api-client.js';
import { FAST_STEPS, PROMOTE_RULE, writeFastTemplate } from './fast-template.js';
import { hookProblems, waitForHook } from './recording-receiver.js';
import { startTcpForwarder, type TcpForwarder } from './tcp-forwarder.js';
import { healthyService, startTrafficStack, writeDaemonConfig, type TrafficStack } from './traffic-stack.js';

const ERROR_LIMIT = 2;

function tickMetrics(event: StoredEvent): MetricResultView[] {
  return (event.payload.metrics ?? []) as MetricResultView[];
}

describe('canaryd serve: the metric source goes down mid-analysis', () => {
  let stack: TrafficStack;
  let doomed: RunningPrometheus;
  let forwarder: TcpForwarder;
  let daemon: DaemonProcess;

  beforeAll(async () => {
    stack = await startTrafficStack([healthyService('outage')]);
    doomed = stack.prometheus;
    forwarder = await startTcpForwarder(doomed.port);
    const config = await writeDaemonConfig({
      dir: stack.dir,
      prometheusUrl: forwarder.url,
      receiverUrl: stack.receiver.url,
      secretFile: stack.secretFile,
      sourceTimeout: '1s',
    });
    await writeFastTemplate(config.templatesDir, { consecutiveErrorLimit: ERROR_LIMIT, onError: 'pause' });
    daemon = await startDaemon(config.file, { url: config.url });
  });

  afterAll(async () => {
    await daemon?.stop();
    await forwarder?.close();
    await stack?.stop();
  });

  it('fails ticks as data, promotes nothing, pauses by source-errors, and completes after a resume', async () => {
    const created = await createAnalysis(daemon.url, { service: 'outage', mode: 'drive' });
    await waitForAnalysis(daemon.url, created.id, 'to be judged once', (view) => view.lastVerdict !== null, { timeoutMs: 20_000 });
    await doomed.stop();
    // Its replacement starts during the outage (a fresh instance, empty until it scrapes).
    const replacement = stack.startPrometheus();
    replacement.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled

    const failing = (view: AnalysisView): boolean => (view.lastVerdict?.metrics ?? []).some((metric) => metric.error);
    const firstFailure = await waitForAnalysis(daemon.url, created.id, 'to see a failed query', failing, { timeoutMs: 15_000 });
    const paused = await waitForAnalysis(daemon.url, created.id, 'to pause', (view) => view.phase !== 'running', { timeoutMs: 20_000 });
    expect(paused.phase).toBe('paused');
    expect(paused.step).toBe(firstFailure.step);
    expect(paused.lastVerdict?.rule).toEqual({ id: 'source-errors', group: 'builtin' });
    expect(paused.lastVerdict?.metrics.length).toBeGreaterThan(0);
    for (const metric of paused.lastVerdict?.metrics ?? []) {
      expect(metric).toMatchObject({ error: true, baseline: null, canary: null });
      expect(metric.message).toBeTruthy();
    }

    // The daemon kept answering while its source was down.
    expect((await fetch(`${daemon.url}/healthz`)).status).toBe(200);
    const verdict = await getVerdict(daemon.url, created.id);
    expect(verdict.status).toBe(200);
    expect(verdict.body).toMatchObject({ verdict: 'hold', phase: 'paused', rule: { id: 'source-errors', group: 'builtin' } });
    const metricsText = await (await fetch(`${daemon.url}/metrics`)).text();
    expect(metricsText).toMatch(/canaryd_source_queries_total\{[^}]*outcome="(unreachable|timeout)"[^}]*\} [1-9]/);

    // From the first failed tick on: only failed ticks, no promote, then the pause.
    const events = await getEvents(daemon.url, created.id);
    expect(trailProblems(events)).toEqual([]);
    const firstErrorAt = events.findIndex((event) => event.type === 'tick' && tickMetrics(event).some((metric) => metric.error));
    expect(firstErrorAt).toBeGreaterThan(0);
    const outage = events.slice(firstErrorAt);
    const failedTicks = outage.filter((event) => event.type === 'tick');
    expect(failedTicks.length).toBeGreaterThan(ERROR_LIMIT);
    expect(failedTicks.every((event) => tickMetrics(event).every((metric) => metric.error))).toBe(true);
    expect(decisionsOf(outage).map((decision) => [decision.decision, decision.rule?.id])).toEqual([['pause', 'source-errors']]);
    await waitForHook(stack.receiver, created.id, 'pause');
    const pauseHooks = stack.receiver.hooksFor(created.id).filter((hook) => hook.body.action === 'pause');
    expect(pauseHooks.map((hook) => hook.body.rule)).toEqual([{ id: 'source-errors', group: 'builtin' }]);

    // Prometheus back at the same address.
    forwarder.setUpstream((await replacement).port);
    const resumed = await requestJson<AnalysisView>('POST', `${daemon.url}/v1/analyses/${created.id}/actions`, {
      action: 'resume',
      reason: 'Prometheus is back',
      actor: 'e2e-test',
    });
    expect(resumed.status).toBe(200);
    expect(resumed.body.phase).toBe('running');
    const end = await waitForAnalysis(daemon.url, created.id, 'to end after the resume', (view) => TERMINAL_PHASES.has(view.phase), {
      timeoutMs: 40_000,
    });
    expect(end.phase).toBe('succeeded');
    expect(end.decidedBy).toEqual({ id: PROMOTE_RULE, group: 'promote' });

    const trail = await getEvents(daemon.url, created.id);
    expect(trailProblems(trail)).toEqual([]);
    const manual = trail.filter((event) => event.type === 'manual-action');
    expect(manual.map((event) => [event.payload.action, event.payload.actor])).toEqual([['resume', 'e2e-test']]);
    expect(decisionsOf(trail).find((decision) => decision.decision === 'resume')?.rule?.id).toBe('manual');
    await waitForHook(stack.receiver, created.id, 'complete');
    const hooks = stack.receiver.hooksFor(created.id);
    expect(hooks.flatMap(hookProblems)).toEqual([]);
    expect(hooks.filter((hook) => hook.body.action === 'resume')).toHaveLength(1);
    expect(hooks.filter((hook) => hook.body.action === 'complete')).toHaveLength(1);
    expect(hooks.filter((hook) => hook.body.action === 'set-weight').map((hook) => hook.body.weight)).toEqual([...FAST_STEPS]);
  });
});
