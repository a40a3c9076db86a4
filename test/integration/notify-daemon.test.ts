// Notifications from `canaryd serve` as a real process, judging live traffic through a real
// Prometheus: an aborting canary produces one Slack message; a webhook receiver that fails twice
// gets each notification on a retry, signed; a receiver that never answers slows no tick.

import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { createAnalysis, decisionsOf, getEvents, TERMINAL_PHASES, waitForAnalysis, type AnalysisView } from '../e2e/api-client.js';
import { startDaemon, type DaemonProcess } from '../e2e/daemon-harness.js';
import { runCanaryd } from '../helpers/cli.js';
import { ABORT_RULE, writeFastTemplate } from '../e2e/fast-template.js';
import { waitFor } from '../e2e/polling.js';
import { startSinkReceiver, type SinkReceiver } from '../e2e/recording-receiver.js';
import { failingService, healthyService, startTrafficStack, writeDaemonConfig, type TrafficStack } from '../e2e/traffic-stack.js';

const TICK_INTERVAL_MS = 1_000;

async function metricsText(daemon: DaemonProcess): Promise<string> {
  return (await fetch(`${daemon.url}/metrics`)).text();
}

function counter(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}{${labels}}`));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('canaryd serve: notifications after the commit, in the background', () => {
  let stack: TrafficStack;
  let slack: SinkReceiver;
  let flaky: SinkReceiver;
  let blackhole: SinkReceiver;
  let daemon: DaemonProcess;
  let failing: AnalysisView;
  let healthy: AnalysisView;
  const slackSecret = randomBytes(12).toString('hex');

  beforeAll(async () => {
    stack = await startTrafficStack([failingService('notify-failing'), healthyService('notify-healthy')]);
    slack = await startSinkReceiver({ path: `/services/T0/B0/${slackSecret}` });
    flaky = await startSinkReceiver({ path: '/hooks/canaryd', secret: stack.secret, failFirst: 2 });
    blackhole = await startSinkReceiver({ path: '/never', hang: true });
    const config = await writeDaemonConfig({
      dir: stack.dir,
      prometheusUrl: stack.prometheus.url,
      receiverUrl: stack.receiver.url,
      secretFile: stack.secretFile,
    });
    await writeFastTemplate(config.templatesDir);
    const urlFile = join(stack.dir, 'slack-url');
    await writeFile(urlFile, `${slack.url}\n`, { mode: 0o600 });
    const document = parse(await readFile(config.file, 'utf8')) as Record<string, unknown>;
    document.notifications = {
      sinks: [
        { name: 'oncall', type: 'slack', urlFile, events: ['abort'] },
        { name: 'audit', type: 'webhook', url: flaky.url, secretFile: stack.secretFile, events: ['decision'], retries: 3 },
        { name: 'blackhole', type: 'webhook', url: blackhole.url, events: ['decision'], timeout: '1s', retries: 2 },
      ],
    };
    await writeFile(config.file, stringify(document));
    daemon = await startDaemon(config.file, { url: config.url });
    [failing, healthy] = await Promise.all([
      createAnalysis(daemon.url, { service: 'notify-failing', mode: 'drive' }),
      createAnalysis(daemon.url, { service: 'notify-healthy', mode: 'drive' }),
    ]);
  });

  afterAll(async () => {
    await daemon?.stop();
    await Promise.all([slack?.close(), flaky?.close(), blackhole?.close()]);
    await stack?.stop();
  });

  it('sends one Slack message for the abort, retries the failing webhook, and never slows a tick', async () => {
    const aborted = await waitForAnalysis(daemon.url, failing.id, 'to abort', (view) => TERMINAL_PHASES.has(view.phase), { timeoutMs: 40_000 });
    expect(aborted.phase).toBe('aborted');
    const ended = await waitForAnalysis(daemon.url, healthy.id, 'to end', (view) => TERMINAL_PHASES.has(view.phase), { timeoutMs: 60_000 });
    expect(ended.phase).toBe('succeeded');

    // Slack: exactly one message, for the abort, with the analysis, verdict, rule and report link.
    await waitFor('the Slack message', async () => (slack.accepted().length > 0 ? true : undefined), { timeoutMs: 10_000 });
    const [message, ...more] = slack.requests();
    expect(more).toEqual([]);
    expect(message?.headers['content-type']).toBe('application/json');
    const abortEvent = (await getEvents(daemon.url, failing.id)).findLast((event) => event.type === 'decision');
    const reason = String(abortEvent?.payload.reason).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    expect(message?.body.text).toBe(`notify-failing v2 (e2e): abort by ${ABORT_RULE}: ${reason}`);
    const blocks = JSON.stringify(message?.body.blocks);
    expect(blocks).toContain(`\`${failing.id}\``);
    expect(blocks).toContain(`*Rule*\\n${ABORT_RULE} (abort)`);
    expect(blocks).toContain(`<${daemon.url}/v1/analyses/${failing.id}/report|canary report>`);

    // The webhook answering 500 twice: the first notification arrived on its third attempt, every
    // decision of both analyses arrived once, each attempt signed and keyed alike.
    const expectedDecisions = decisionsOf(await getEvents(daemon.url, failing.id)).length + decisionsOf(await getEvents(daemon.url, healthy.id)).length;
    expect(expectedDecisions).toBe(4); // abort; promote, promote, complete
    await waitFor('every decision at the audit webhook', async () => (flaky.accepted().length >= expectedDecisions ? true : undefined), {
      timeoutMs: 20_000,
      lastSeen: () => JSON.stringify(flaky.requests().map((request) => [request.status, request.body.verdict])),
    });
    const attempts = flaky.requests();
    expect(attempts.slice(0, 3).map((request) => request.status)).toEqual([500, 500, 200]);
    expect(new Set(attempts.slice(0, 3).map((request) => request.headers['idempotency-key'])).size).toBe(1);
    expect(attempts.every((request) => request.signatureValid === true)).toBe(true);
    const keys = flaky.accepted().map((request) => request.body.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(
      flaky
        .accepted()
        .map((request) => request.body.verdict)
        .sort(),
    ).toEqual(['abort', 'complete', 'promote', 'promote']);

    // The receiver that never answers: ticks kept their 1s cadence all along.
    const ticks = (await getEvents(daemon.url, healthy.id)).filter((event) => event.type === 'tick').map((event) => Date.parse(event.at));
    const gaps = ticks.slice(1).map((at, index) => at - (ticks[index] as number));
    expect(gaps.length).toBeGreaterThan(5);
    expect(Math.max(...gaps)).toBeLessThan(TICK_INTERVAL_MS * 2.5);
    expect(blackhole.requests().length).toBeGreaterThan(0);

    // Counted in metrics, never naming the Slack URL.
    const text = await waitFor(
      'the blackhole failure to be counted',
      async () => {
        const current = await metricsText(daemon);
        return counter(current, 'canaryd_notifications_failed_total', 'sink="blackhole",event="decision"') >= 1 ? current : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(counter(text, 'canaryd_notifications_delivered_total', 'sink="oncall",event="abort"')).toBe(1);
    expect(counter(text, 'canaryd_notifications_delivered_total', 'sink="audit",event="decision"')).toBe(4);
    expect(counter(text, 'canaryd_notification_retries_total', 'sink="audit",event="decision"')).toBe(2);
    expect(text).not.toContain(slackSecret);
    expect(daemon.logs()).not.toContain(slackSecret);
    expect(daemon.logs()).toContain('notification failed after its retries');
  });

  it('refuses to start on a bad notifications config, naming each field and never the Slack URL', async () => {
    const file = join(stack.dir, 'bad-notify.yaml');
    const urlFile = join(stack.dir, 'slack-url');
    const document = parse(await readFile(join(stack.dir, 'canaryd.yaml'), 'utf8')) as Record<string, unknown>;
    document.server = { host: '127.0.0.1', port: 0 };
    document.notifications = {
      sinks: [
        { name: 'oncall', type: 'slack', events: ['abort'] },
        { name: 'pager', type: 'slack', urlFile, events: ['abort', 'aborted'] },
      ],
    };
    await writeFile(file, stringify(document));
    const run = await runCanaryd(['serve', '--config', file], { timeoutMs: 20_000 });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`${file}:\\d+:\\d+: notifications\\.sinks\\[0\\]\\.urlFile: required`));
    expect(run.stderr).toMatch(new RegExp(`${file}:\\d+:\\d+: notifications\\.sinks\\[1\\]\\.events\\[1\\]: expected decision, abort, .* got "aborted"`));
    expect(run.stderr + run.stdout).not.toContain(slackSecret);
  });
});
