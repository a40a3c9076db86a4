// The HTML canary report of a real aborted canary (`canaryd serve` as a process, live traffic, a
// real Prometheus), fetched with `canaryd report ID`, opened in a real headless Chromium (Debian's
// chromium, installed by scripts/ensure-test-deps.mjs): a screenshot of known size and the DOM facts
// people rely on. An XSS attempt in the trail stays text in the browser.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReport } from '../../src/report/render.js';
import { runCanaryd } from '../helpers/cli.js';
import { REPORT_ANALYSIS, reportEvents, XSS } from '../unit/report/fixtures.js';
import { createAnalysis, getEvents, TERMINAL_PHASES, waitForAnalysis, type AnalysisView } from './api-client.js';
import { startDaemon, type DaemonProcess } from './daemon-harness.js';
import { ABORT_RULE, FAST_STEPS, PROMOTE_RULE, writeFastTemplate } from './fast-template.js';
import { failingService, healthyService, startTrafficStack, writeDaemonConfig, type TrafficStack } from './traffic-stack.js';

const CHROMIUM = '/usr/bin/chromium';
const VIEWPORT = { width: 1200, height: 900 };
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Width and height from a PNG's IHDR chunk. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

interface Watched {
  page: Page;
  /** Every request the page made other than to its own file. */
  requests: string[];
  dialogs: string[];
}

async function openPage(context: BrowserContext, file: string): Promise<Watched> {
  const page = await context.newPage();
  const watched: Watched = { page, requests: [], dialogs: [] };
  page.on('request', (request) => {
    if (request.url() !== pathToFileURL(file).href) watched.requests.push(request.url());
  });
  page.on('dialog', (dialog) => {
    watched.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  return watched;
}

describe('the HTML canary report in a real browser', () => {
  let stack: TrafficStack;
  let daemon: DaemonProcess;
  let analysis: AnalysisView;
  let healthy: AnalysisView;
  let profile: string;
  let context: BrowserContext;

  beforeAll(async () => {
    stack = await startTrafficStack([failingService('report-failing'), healthyService('report-healthy')]);
    const config = await writeDaemonConfig({
      dir: stack.dir,
      prometheusUrl: stack.prometheus.url,
      receiverUrl: stack.receiver.url,
      secretFile: stack.secretFile,
    });
    await writeFastTemplate(config.templatesDir);
    daemon = await startDaemon(config.file, { url: config.url });
    [analysis, healthy] = await Promise.all([
      createAnalysis(daemon.url, { service: 'report-failing', mode: 'drive' }),
      createAnalysis(daemon.url, { service: 'report-healthy', mode: 'drive' }),
    ]);
    profile = await mkdtemp(join(tmpdir(), 'canaryd-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_FLAGS,
      viewport: VIEWPORT,
      offline: true,
    });
  });

  afterAll(async () => {
    await context?.close();
    await daemon?.stop();
    await stack?.stop();
    if (profile !== undefined) await rm(profile, { recursive: true, force: true });
  });

  it('canaryd report ID writes a page that shows the decision, the timeline and one chart per metric', async () => {
    const ended = await waitForAnalysis(daemon.url, analysis.id, 'to abort', (view) => TERMINAL_PHASES.has(view.phase), { timeoutMs: 40_000 });
    expect(ended.phase).toBe('aborted');
    const metricNames = (ended.lastVerdict?.metrics ?? []).map((metric) => metric.name);
    expect(metricNames).toEqual(['requests', 'error_rate']);

    const run = await runCanaryd(['report', analysis.id, '--server', daemon.url]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const file = join(profile, 'report.html');
    await writeFile(file, run.stdout);

    const { page, requests, dialogs } = await openPage(context, file);
    expect(await page.title()).toBe(`canaryd report: report-failing v2 (abort)`);
    expect(await page.locator('#decision').textContent()).toBe(`Decision: abort by rule ${ABORT_RULE} (abort)`);
    expect(await page.locator('svg.metric-chart').evaluateAll((charts) => charts.map((chart) => chart.getAttribute('data-name')))).toEqual(metricNames);
    const ticks = (await getEvents(daemon.url, analysis.id)).filter((event) => event.type === 'tick').length;
    expect(ticks).toBeGreaterThan(0);
    // Every tick with a value is a point of the canary line (or a dot where it stands alone).
    const canaryPoints = await page.locator('svg.metric-chart[data-name="requests"]').evaluate((chart) => {
      const lines = [...chart.querySelectorAll('polyline.canary')].map((line) => (line.getAttribute('points') ?? '').trim().split(/\s+/).length);
      return lines.reduce((sum, points) => sum + points, chart.querySelectorAll('circle.canary').length);
    });
    expect(canaryPoints).toBeGreaterThan(0);
    expect(canaryPoints).toBeLessThanOrEqual(ticks);
    expect(await page.locator('#verdicts tr').count()).toBeGreaterThan(1);
    expect(await page.locator('#decisions td.verdict-abort').textContent()).toBe('abort');
    const chartBox = await page.locator('svg.metric-chart').first().boundingBox();
    expect(chartBox?.width).toBeGreaterThan(300);
    expect(chartBox?.height).toBeGreaterThan(100);

    const png = await page.screenshot({ fullPage: true });
    const size = pngSize(png);
    expect(size.width).toBe(VIEWPORT.width);
    expect(size.height).toBeGreaterThan(VIEWPORT.height / 2);
    expect(png.length).toBeGreaterThan(20_000);
    expect(requests).toEqual([]);
    expect(dialogs).toEqual([]);
  });

  it('the report of a canary promoted through every step charts every tick and marks each step change', async () => {
    const ended = await waitForAnalysis(daemon.url, healthy.id, 'to succeed', (view) => TERMINAL_PHASES.has(view.phase), { timeoutMs: 60_000 });
    expect(ended.phase).toBe('succeeded');
    const run = await runCanaryd(['report', healthy.id], { env: { CANARYD_SERVER: daemon.url } });
    expect(run.code).toBe(0);
    const file = join(profile, 'healthy.html');
    await writeFile(file, run.stdout);
    const { page, requests } = await openPage(context, file);
    expect(await page.locator('#decision').textContent()).toBe(`Decision: complete by rule ${PROMOTE_RULE} (promote)`);
    const ticks = (await getEvents(daemon.url, healthy.id)).filter((event) => event.type === 'tick');
    const withCanary = ticks.filter((event) => {
      const metrics = (event.payload.metrics ?? []) as Array<{ name: string; canary: number | null }>;
      return metrics.some((metric) => metric.name === 'requests' && metric.canary !== null);
    }).length;
    expect(withCanary).toBeGreaterThan(3);
    const chart = page.locator('svg.metric-chart[data-name="requests"]');
    const drawn = await chart.evaluate((svg) => {
      const lines = [...svg.querySelectorAll('polyline.canary')].map((line) => (line.getAttribute('points') ?? '').trim().split(/\s+/).length);
      return lines.reduce((sum, points) => sum + points, svg.querySelectorAll('circle.canary').length);
    });
    expect(drawn).toBe(withCanary);
    // Steps 2 and 3 began with a promote: one dashed marker each.
    expect(await chart.locator('line.marker').count()).toBe(FAST_STEPS.length - 1);
    expect(await page.locator('#decisions tr').count()).toBe(FAST_STEPS.length + 1);
    const png = pngSize(await page.screenshot({ fullPage: true }));
    expect(png.width).toBe(VIEWPORT.width);
    expect(png.height).toBeGreaterThan(VIEWPORT.height);
    expect(requests).toEqual([]);
  });

  it('refuses clearly without a server, and names an unknown analysis', async () => {
    const noServer = await runCanaryd(['report', analysis.id], { env: { CANARYD_SERVER: '' } });
    expect(noServer.code).toBe(2);
    expect(noServer.stderr).toContain('no daemon given: pass --server URL or set CANARYD_SERVER');
    const unknown = await runCanaryd(['report', 'no-such-analysis'], { env: { CANARYD_SERVER: daemon.url } });
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toMatch(/not-found: .*no-such-analysis/);
    expect(unknown.stdout).toBe('');
  });

  it('an XSS attempt in template name, version, reasons and sources stays text in the browser', async () => {
    const file = join(profile, 'xss.html');
    await writeFile(file, renderReport(REPORT_ANALYSIS, reportEvents(), { generatedAt: '2026-12-01T11:00:00.000Z' }));
    const { page, requests, dialogs } = await openPage(context, file);
    expect(await page.locator('script').count()).toBe(0);
    expect(await page.locator('img, [onerror]').count()).toBe(0);
    expect(await page.title()).toContain(`1.4.2${XSS}`);
    expect(await page.locator('#decision-reason').textContent()).toBe(`error_rate.canary 0.4 > 0.1 ${XSS}`);
    expect(await page.locator('svg.metric-chart').count()).toBe(2);
    expect(await page.locator('#checks td').first().textContent()).toBe('eval');
    expect(await page.locator('#approvals tr').count()).toBe(3);
    expect(dialogs).toEqual([]);
    expect(requests).toEqual([]);
  });
});
