// `canaryd serve` as a process behind an Argo Rollouts stand-in: the first poll of POST /v1/gates/argo
// creates the analysis of the rollout revision, every later poll answers the same one, the
// controller's weight decides canaryd's step, and a promote stays until the controller moves on.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getEvents, requestJson, trailProblems, type AnalysisView } from './api-client.js';
import { runArgoCanary, type ArgoRun } from './argo-controller.js';
import { startDaemon, type DaemonProcess } from './daemon-harness.js';
import { FAST_STEPS, FAST_TEMPLATE, writeFastTemplate } from './fast-template.js';
import { healthyService, startTrafficStack, writeDaemonConfig, type TrafficStack } from './traffic-stack.js';

describe('canaryd serve: the Argo Rollouts gate', () => {
  let stack: TrafficStack;
  let daemon: DaemonProcess;
  let run: ArgoRun;

  beforeAll(async () => {
    stack = await startTrafficStack([healthyService('argo')]);
    const config = await writeDaemonConfig({
      dir: stack.dir,
      prometheusUrl: stack.prometheus.url,
      receiverUrl: stack.receiver.url,
      secretFile: stack.secretFile,
    });
    await writeFastTemplate(config.templatesDir);
    daemon = await startDaemon(config.file, { url: config.url });
    run = await runArgoCanary({
      daemonUrl: daemon.url,
      service: 'argo',
      template: FAST_TEMPLATE,
      deployUrl: `${stack.demo.url}/deploy`,
      secret: stack.secret,
      steps: FAST_STEPS,
      revision: '6f9c7d8b5',
      // Ticks are 1 s apart: 3 polls 0.7 s apart span more than two ticks after the promote.
      pollsAfterPromote: 3,
      intervalMs: 700,
      timeoutMs: 60_000,
    });
  }, 120_000);

  afterAll(async () => {
    await daemon?.stop();
    await stack?.stop();
  });

  it('runs the canary to the end with every poll answered 200 by one analysis', async () => {
    expect(run.outcome, JSON.stringify(run.polls.slice(-3))).toBe('Successful');
    expect(run.polls.every((poll) => poll.status === 200)).toBe(true);
    const ids = new Set(run.polls.map((poll) => poll.analysisId));
    expect(ids.size).toBe(1);
    const list = await requestJson<{ analyses: AnalysisView[] }>('GET', `${daemon.url}/v1/analyses`);
    expect(list.body.analyses).toHaveLength(1);
    expect(list.body.analyses[0]).toMatchObject({ mode: 'observe', adapter: null, phase: 'succeeded' });
  });

  it("follows the controller's weight: each poll's step is the step of the weight it reported", () => {
    for (const poll of run.polls.filter((p) => p.phase === 'running')) {
      expect(FAST_STEPS[poll.step]).toBe(poll.weight);
      expect(poll.observedWeight).toBe(poll.weight);
    }
  });

  it('keeps a promote (sticky) at a step until the controller moves to the next weight', () => {
    for (const [index, weight] of FAST_STEPS.slice(0, -1).entries()) {
      const atStep = run.polls.filter((poll) => poll.weight === weight);
      const first = atStep.findIndex((poll) => poll.verdict === 'promote');
      expect(first).toBeGreaterThanOrEqual(0);
      const after = atStep.slice(first);
      expect(after.length).toBeGreaterThanOrEqual(4);
      for (const poll of after) expect(poll).toMatchObject({ verdict: 'promote', phase: 'running', step: index, forStep: index });
    }
    // After the weight change, the next step is judged afresh: its first poll is not a promote.
    const firstAtSecond = run.polls.find((poll) => poll.weight === FAST_STEPS[1]);
    expect(firstAtSecond?.verdict).not.toBe('promote');
    const last = run.polls.at(-1);
    expect(last).toMatchObject({ verdict: 'promote', phase: 'succeeded', forStep: FAST_STEPS.length - 1 });
  });

  it('records every weight change in a trail that verifies', async () => {
    const id = run.polls[0]?.analysisId ?? '';
    const events = await getEvents(daemon.url, id);
    expect(trailProblems(events)).toEqual([]);
    const moves = events.filter((event) => event.type === 'observed-weight').map((event) => event.payload.step);
    expect(moves).toEqual([0, 1, 2]);
  });
});
