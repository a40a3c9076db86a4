// A killed daemon loses nothing; a stopped one stops cleanly. The same SQLite file is reused by
// each new `canaryd serve` process.

import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logRecords, startDaemon, type DaemonProcess } from './daemon-harness.js';
import { createAnalysis, decisionsOf, getAnalysis, getEvents, TERMINAL_PHASES, trailProblems, waitForAnalysis } from './api-client.js';
import { FAST_STEPS, writeFastTemplate } from './fast-template.js';
import { waitFor } from './polling.js';
import { hookProblems, waitForHook, type RecordedHook } from './recording-receiver.js';
import { ENGINE_THREADS, healthyService, startTrafficStack, writeDaemonConfig, type TrafficStack, type WrittenConfig } from './traffic-stack.js';

// Until the daemon is killed, the deployer acts on the set-weight that follows the first promote
// but keeps its answer back: the call is recorded and made, but never marked done.
const SLOW_ANSWER_MS = 30_000;
let stalling = true;

function decisionOfHook(hook: RecordedHook): string {
  return `${hook.body.action}@${hook.body.step}:${hook.body.weight}`;
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

describe.each(ENGINE_THREADS)('canaryd serve (engineThread %s): SIGKILL and restart, SIGTERM', (engineThread) => {
  let stack: TrafficStack;
  let config: WrittenConfig;
  const daemons: DaemonProcess[] = [];
  let crashedId = '';

  async function start(): Promise<DaemonProcess> {
    const daemon = await startDaemon(config.file, { url: config.url });
    daemons.push(daemon);
    return daemon;
  }

  beforeAll(async () => {
    stalling = true;
    stack = await startTrafficStack([healthyService('crashy'), healthyService('steady')], {
      delayAnswer: (body) => (stalling && body.target.service === 'crashy' && body.action === 'set-weight' && body.step === 1 ? SLOW_ANSWER_MS : 0),
    });
    config = await writeDaemonConfig({
      dir: stack.dir,
      prometheusUrl: stack.prometheus.url,
      receiverUrl: stack.receiver.url,
      secretFile: stack.secretFile,
      engineThread,
    });
    await writeFastTemplate(config.templatesDir);
  });

  afterAll(async () => {
    for (const daemon of daemons) await daemon.stop();
    await stack?.stop();
  });

  it('resumes after SIGKILL mid-analysis and completes; the unanswered call is retried with its key, no decision twice', async () => {
    const first = await start();
    const created = await createAnalysis(first.url, { service: 'crashy', mode: 'drive' });
    crashedId = created.id;
    const inFlight = await waitFor(
      'the set-weight after the first promote to reach the deployer',
      async () => stack.receiver.hooksFor(created.id).find((hook) => hook.body.action === 'set-weight' && hook.body.step === 1),
      { timeoutMs: 30_000, intervalMs: 25 },
    );
    const killed = await first.kill('SIGKILL');
    const killedAt = Date.now();
    stalling = false;
    expect(killed.signal).toBe('SIGKILL');
    expect(inFlight.body.weight).toBe(FAST_STEPS[1]);

    const second = await start();
    const restartedAt = Date.now();
    const end = await waitForAnalysis(second.url, created.id, 'to end after the restart', (view) => TERMINAL_PHASES.has(view.phase), {
      timeoutMs: 45_000,
    });
    expect(end.phase).toBe('succeeded');

    await waitForHook(stack.receiver, created.id, 'complete');
    const hooks = stack.receiver.hooksFor(created.id);
    expect(hooks.flatMap(hookProblems)).toEqual([]);
    // Each decision has one key and each key one decision.
    const byKey = groupBy(hooks, (hook) => hook.body.idempotencyKey);
    const byDecision = groupBy(hooks, decisionOfHook);
    expect([...byKey.values()].map((group) => new Set(group.map(decisionOfHook)).size)).toEqual([...byKey.values()].map(() => 1));
    expect([...byDecision.values()].map((group) => new Set(group.map((hook) => hook.body.idempotencyKey)).size)).toEqual([...byDecision.values()].map(() => 1));
    expect([...byDecision.keys()]).toEqual([
      `set-weight@0:${FAST_STEPS[0]}`,
      `set-weight@1:${FAST_STEPS[1]}`,
      `set-weight@2:${FAST_STEPS[2]}`,
      `complete@2:${FAST_STEPS[2]}`,
    ]);
    // Only the call that never got its answer was delivered again after the restart, once, the same
    // request under the same key.
    const repeated = [...byKey.entries()].filter(([, group]) => group.length > 1);
    expect(repeated.map(([key]) => key)).toEqual([inFlight.body.idempotencyKey]);
    const deliveries = repeated[0]?.[1] ?? [];
    const afterRestart = deliveries.filter((hook) => hook.receivedAt > killedAt);
    expect(afterRestart).toHaveLength(1);
    expect(afterRestart[0]?.receivedAt).toBeGreaterThanOrEqual(restartedAt - 1_000);
    expect(afterRestart[0]?.body).toEqual(inFlight.body);
    // The later decisions were made by the restarted process.
    const laterDecisions = hooks.filter((hook) => hook.receivedAt > killedAt && hook.body.idempotencyKey !== inFlight.body.idempotencyKey);
    expect(laterDecisions.map(decisionOfHook)).toEqual([`set-weight@2:${FAST_STEPS[2]}`, `complete@2:${FAST_STEPS[2]}`]);
    expect(stack.demo.weights().crashy).toBe(100);

    const events = await getEvents(second.url, created.id);
    expect(trailProblems(events)).toEqual([]);
    expect(events.filter((event) => event.type === 'created')).toHaveLength(1);
    expect(decisionsOf(events).map((decision) => [decision.decision, decision.step, decision.weight])).toEqual([
      ['promote', 1, FAST_STEPS[1]],
      ['promote', 2, FAST_STEPS[2]],
      ['complete', 2, FAST_STEPS[2]],
    ]);
    const recovery = logRecords(second.logs()).find((record) => typeof record.retriedCalls === 'number');
    expect(recovery).toMatchObject({ resumed: 1, retriedCalls: 1 });
  });

  it('exits 0 soon after SIGTERM mid-analysis, leaves the store intact, and the next start goes on', async () => {
    const second = daemons.at(-1);
    if (second === undefined || second.exited() !== null) throw new Error('the restarted daemon of the previous test is not running');
    const created = await createAnalysis(second.url, { service: 'steady', mode: 'drive' });
    await waitForAnalysis(second.url, created.id, 'to be judged', (view) => view.lastVerdict !== null, { timeoutMs: 20_000 });
    const eventsBefore = await getEvents(second.url, created.id);

    const signalledAt = Date.now();
    const exit = await second.kill('SIGTERM', 10_000);
    const tookMs = Date.now() - signalledAt;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(tookMs).toBeLessThan(5_000);
    expect(logRecords(second.logs()).some((record) => record.msg === 'stopped')).toBe(true);

    const db = new Database(config.storePath, { readonly: true, fileMustExist: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }

    const third = await start();
    const view = await getAnalysis(third.url, created.id);
    expect(TERMINAL_PHASES.has(view.phase)).toBe(false);
    expect(view.id).toBe(created.id);
    if (crashedId !== '') expect((await getAnalysis(third.url, crashedId)).phase).toBe('succeeded');
    // Nothing written before the shutdown is lost or changed, and ticking goes on from there.
    const eventsAfter = await waitFor(
      'a new event after the restart',
      async () => {
        const events = await getEvents(third.url, created.id);
        return events.length > eventsBefore.length ? events : undefined;
      },
      { timeoutMs: 15_000 },
    );
    expect(eventsAfter.slice(0, eventsBefore.length)).toEqual(eventsBefore);
    expect(trailProblems(eventsAfter)).toEqual([]);

    expect(await third.stop()).toEqual({ code: 0, signal: null });
  });
});
