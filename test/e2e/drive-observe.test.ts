// `canaryd serve` as a process, a real Prometheus scraping live traffic, three analyses at once:
// a healthy canary driven through every step, a failing one rolled back, and one in observe mode
// whose traffic a controller moves by polling the verdict API.

import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logRecords, startDaemon, type DaemonProcess } from './daemon-harness.js';
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
} from './api-client.js';
import { ABORT_RULE, FAST_STEPS, PROMOTE_RULE, writeFastTemplate } from './fast-template.js';
import { CONTROLLER_KEY_PREFIX, startObserveController, type ObserveController } from './observe-controller.js';
import { promtoolCheckMetrics } from '../helpers/promtool.js';
import { hookProblems, waitForHook } from './recording-receiver.js';
import { ENGINE_THREADS, failingService, healthyService, startTrafficStack, writeDaemonConfig, type TrafficStack } from './traffic-stack.js';

const END_TIMEOUT_MS = 45_000;

/** Thread id → nice value, from /proc (field 19 of each task's stat). */
function threadNiceness(pid: number): Map<number, number> {
  const niceness = new Map<number, number>();
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const stat = readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    niceness.set(Number(task), Number(fields[16]));
  }
  return niceness;
}

// worker: the daemon in a worker thread, the HTTP server and its verdict cache on the main thread.
describe.each(ENGINE_THREADS)('canaryd serve (engineThread %s): drive and observe against live traffic', (engineThread) => {
  let stack: TrafficStack;
  let daemon: DaemonProcess;
  let healthy: AnalysisView;
  let failing: AnalysisView;
  let observed: AnalysisView;
  let controller: ObserveController;

  beforeAll(async () => {
    stack = await startTrafficStack([healthyService('healthy'), failingService('failing'), healthyService('observed')]);
    const config = await writeDaemonConfig({
      dir: stack.dir,
      prometheusUrl: stack.prometheus.url,
      receiverUrl: stack.receiver.url,
      secretFile: stack.secretFile,
      engineThread,
    });
    await writeFastTemplate(config.templatesDir);
    daemon = await startDaemon(config.file, { url: config.url });
    [healthy, failing, observed] = await Promise.all([
      createAnalysis(daemon.url, { service: 'healthy', mode: 'drive' }),
      createAnalysis(daemon.url, { service: 'failing', mode: 'drive' }),
      createAnalysis(daemon.url, { service: 'observed', mode: 'observe' }),
    ]);
    controller = startObserveController({
      daemonUrl: daemon.url,
      analysisId: observed.id,
      service: 'observed',
      deployUrl: `${stack.demo.url}/deploy`,
      secret: stack.secret,
    });
  });

  afterAll(async () => {
    controller?.stop();
    await daemon?.stop();
    await stack?.stop();
  });

  it('creates each analysis running at the first step', () => {
    for (const view of [healthy, failing, observed]) {
      expect(view.phase).toBe('running');
      expect(view.step).toBe(0);
      expect(view.weight).toBe(FAST_STEPS[0]);
      expect(view.steps).toBe(FAST_STEPS.length);
    }
    expect(healthy.adapter).toBe('deployer');
    expect(observed.adapter).toBeNull();
  });

  it('promotes a healthy canary through every step with signed, keyed webhook calls', async () => {
    const end = await waitForAnalysis(daemon.url, healthy.id, 'to end', (view) => TERMINAL_PHASES.has(view.phase), { timeoutMs: END_TIMEOUT_MS });
    expect(end.phase).toBe('succeeded');
    expect(end.decidedBy).toEqual({ id: PROMOTE_RULE, group: 'promote' });

    await waitForHook(stack.receiver, healthy.id, 'complete');
    const hooks = stack.receiver.hooksFor(healthy.id);
    expect(hooks.map((hook) => [hook.body.action, hook.body.step, hook.body.weight])).toEqual([
      ['set-weight', 0, FAST_STEPS[0]],
      ['set-weight', 1, FAST_STEPS[1]],
      ['set-weight', 2, FAST_STEPS[2]],
      ['complete', 2, FAST_STEPS[2]],
    ]);
    expect(hooks.flatMap(hookProblems)).toEqual([]);
    expect(hooks.every((hook) => hook.upstreamStatus === 200)).toBe(true);
    expect(new Set(hooks.map((hook) => hook.body.idempotencyKey)).size).toBe(hooks.length);
    expect(hooks[0]?.body.rule).toBeNull();
    expect(hooks.slice(1).map((hook) => hook.body.rule)).toEqual(hooks.slice(1).map(() => ({ id: PROMOTE_RULE, group: 'promote' })));
    expect(hooks.every((hook) => hook.body.target.service === 'healthy' && hook.body.target.environment === 'e2e')).toBe(true);
    expect(stack.demo.weights().healthy).toBe(100);

    const verdict = await getVerdict(daemon.url, healthy.id);
    expect(verdict.status).toBe(200);
    expect(verdict.body).toMatchObject({ verdict: 'promote', phase: 'succeeded', step: 2, weight: 100, rule: { id: PROMOTE_RULE, group: 'promote' } });

    const events = await getEvents(daemon.url, healthy.id);
    expect(trailProblems(events)).toEqual([]);
    const decisions = decisionsOf(events);
    expect(decisions.map((decision) => [decision.decision, decision.step, decision.weight])).toEqual([
      ['promote', 1, 50],
      ['promote', 2, 100],
      ['complete', 2, 100],
    ]);
    // Each call after a promote carries the evidence hash of the decision that asked for it.
    const decisionHashes = events.filter((event) => event.type === 'decision').map((event) => event.payload.evidenceHash);
    expect(hooks.slice(1).map((hook) => hook.body.evidenceHash)).toEqual(decisionHashes);
  });

  it('rolls a failing canary back by the template abort rule', async () => {
    const end = await waitForAnalysis(daemon.url, failing.id, 'to end', (view) => TERMINAL_PHASES.has(view.phase), { timeoutMs: END_TIMEOUT_MS });
    expect(end.phase).toBe('aborted');
    expect(end.decidedBy).toEqual({ id: ABORT_RULE, group: 'abort' });
    const errorRate = end.lastVerdict?.metrics.find((metric) => metric.name === 'error_rate');
    expect(errorRate?.canary).toBeGreaterThan(0.1);

    const verdict = await getVerdict(daemon.url, failing.id);
    expect(verdict.status).toBe(200);
    expect(verdict.body).toMatchObject({ verdict: 'abort', phase: 'aborted', step: 0, rule: { id: ABORT_RULE, group: 'abort' } });

    await waitForHook(stack.receiver, failing.id, 'rollback');
    const hooks = stack.receiver.hooksFor(failing.id);
    expect(hooks.map((hook) => [hook.body.action, hook.body.step])).toEqual([
      ['set-weight', 0],
      ['rollback', 0],
    ]);
    expect(hooks.flatMap(hookProblems)).toEqual([]);
    expect(hooks[1]?.body.rule).toEqual({ id: ABORT_RULE, group: 'abort' });
    expect(stack.demo.weights().failing).toBe(0);

    const events = await getEvents(daemon.url, failing.id);
    expect(trailProblems(events)).toEqual([]);
    expect(decisionsOf(events).map((decision) => [decision.decision, decision.rule?.id, decision.phase])).toEqual([['abort', ABORT_RULE, 'aborted']]);
  });

  it('in observe mode calls no adapter and the verdict API moves through the same decisions', async () => {
    await controller.done;
    expect(controller.failures()).toEqual([]);
    const polled = controller.polled();
    const last = polled.at(-1);
    expect(last).toMatchObject({ verdict: 'promote', phase: 'succeeded', step: 2, weight: 100, rule: { id: PROMOTE_RULE, group: 'promote' } });
    expect(['continue', 'hold']).toContain(polled[0]?.verdict);
    // Steps seen by the poller only go forward and pass through every step.
    const steps = polled.map((verdict) => verdict.step);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    expect(new Set(steps)).toEqual(new Set([0, 1, 2]));

    expect(stack.receiver.hooksFor(observed.id)).toEqual([]);
    expect(stack.receiver.hooks().filter((hook) => hook.body.target.service === 'observed')).toEqual([]);
    const deliveries = stack.demo.hooks().filter((hook) => hook.service === 'observed');
    expect(deliveries.length).toBeGreaterThan(0);
    expect(deliveries.every((hook) => hook.request.idempotencyKey.startsWith(CONTROLLER_KEY_PREFIX))).toBe(true);

    const events = await getEvents(daemon.url, observed.id);
    expect(trailProblems(events)).toEqual([]);
    const healthyEvents = await getEvents(daemon.url, healthy.id);
    const summary = (list: typeof events) => decisionsOf(list).map((decision) => [decision.decision, decision.rule?.id, decision.step, decision.weight]);
    expect(summary(events)).toEqual(summary(healthyEvents));
  });

  it('serves /metrics that pass promtool and show each analysis phase', async () => {
    const response = await fetch(`${daemon.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    const check = await promtoolCheckMetrics(text);
    expect(check.output).toBe('');
    expect(check.code).toBe(0);
    const phaseLine = (id: string, phase: string) =>
      text.split('\n').find((line) => line.startsWith('canaryd_analysis_phase{') && line.includes(`analysis="${id}"`) && line.includes(`phase="${phase}"`));
    expect(phaseLine(healthy.id, 'succeeded')).toMatch(/ 1$/);
    expect(phaseLine(failing.id, 'aborted')).toMatch(/ 1$/);
    expect(phaseLine(healthy.id, 'running')).toMatch(/ 0$/);
    expect(text).toMatch(/canaryd_adapter_calls_total\{[^}]*action="rollback"[^}]*outcome="success"[^}]*\} 1$/m);
  });

  it('answers the health endpoints and never prints the webhook secret', async () => {
    expect((await fetch(`${daemon.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${daemon.url}/readyz`)).status).toBe(200);
    const list = await requestJson<{ analyses: AnalysisView[] }>('GET', `${daemon.url}/v1/analyses?phase=succeeded`);
    expect(list.body.analyses.map((view) => view.id).sort()).toEqual([healthy.id, observed.id].sort());
    expect(daemon.logs()).toContain(healthy.id);
    expect(daemon.logs()).not.toContain(stack.secret);
    // The decisions were logged by the thread the config put the daemon on.
    const decided = logRecords(daemon.logs()).filter((record) => record.analysisId === healthy.id && typeof record.decision === 'string');
    expect(decided.length).toBeGreaterThan(0);
    expect(decided.every((record) => record.thread === (engineThread === 'worker' ? 'daemon-worker' : undefined))).toBe(true);
    // Linux: the daemon's thread (and the threads it starts, e.g. the WAL checkpointer) runs 5 nicer
    // than the HTTP thread, so polls go first when CPU is short.
    if (process.platform === 'linux') {
      const niceness = threadNiceness(daemon.pid);
      expect(niceness.get(daemon.pid)).toBe(0);
      const nicer = [...niceness.values()].filter((nice) => nice === 5).length;
      if (engineThread === 'worker') expect(nicer).toBeGreaterThanOrEqual(1);
      else expect(nicer).toBe(0);
    }
  });
});
