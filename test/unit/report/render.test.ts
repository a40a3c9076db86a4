import { describe, expect, it } from 'vitest';
import { escapeHtml } from '../../../src/report/html.js';
import { buildReportModel } from '../../../src/report/model.js';
import { renderReport } from '../../../src/report/render.js';
import { lineChart } from '../../../src/report/svg.js';
import { iso, REPORT_ANALYSIS, reportEvents, XSS } from './fixtures.js';

const OPTIONS = { generatedAt: '2026-12-01T11:00:00.000Z' };

function count(html: string, pattern: RegExp): number {
  return [...html.matchAll(pattern)].length;
}

describe('buildReportModel', () => {
  it('reads the decisions, verdict runs, steps, metric series, evidence, checks and approvals from the trail', () => {
    const model = buildReportModel(REPORT_ANALYSIS, reportEvents());
    expect(model.decision).toMatchObject({ decision: 'abort', rule: { id: 'error-spike', group: 'abort' }, fromStep: 1, step: 1 });
    expect(model.decisions.map((decision) => decision.decision)).toEqual(['promote', 'abort']);
    expect(model.verdicts.map((run) => [run.action, run.rule?.id ?? null, run.step, run.ticks])).toEqual([
      ['continue', null, 0, 3],
      ['promote', 'healthy', 0, 2],
      ['promote', 'healthy', 1, 2],
      ['abort', 'error-spike', 1, 3],
    ]);
    expect(model.stepStarts.map((start) => [start.at, start.step])).toEqual([
      [Date.parse(iso(0)), 0],
      [Date.parse(iso(5)), 1],
    ]);
    expect(model.metrics.map((metric) => [metric.name, metric.points.length, metric.judge])).toEqual([
      ['error_rate', 10, null],
      ['latency', 10, 'sequential-histogram'],
    ]);
    expect(model.metrics[1]?.points[4]).toEqual({ at: Date.parse(iso(5)), baseline: 0.05, canary: null });
    expect(model.metrics[1]?.evidence[0]).toEqual({ at: Date.parse(iso(1)), pValue: 0.9, eValue: 2 });
    expect(model.checks).toEqual([
      { name: 'eval', at: iso(3), values: { task_success: 0.91, pii_leakage: 0 }, source: `eval-run 42 ${XSS}`, digest: 'sha256:abc', actor: 'ci' },
    ]);
    expect(model.approvals.map((approval) => [approval.type, approval.actor])).toEqual([
      ['approval-requested', 'canaryd'],
      ['approval-approved', 'bob'],
    ]);
    expect(model.lastEventHash).toBe(`${String(reportEvents().length).padStart(2, '0')}${'0'.repeat(62)}`);
  });

  it('an analysis not judged yet has no decision, runs or metrics', () => {
    const model = buildReportModel({ ...REPORT_ANALYSIS, phase: 'running', decidedAt: null, decidedBy: null }, reportEvents().slice(0, 1));
    expect(model).toMatchObject({ decision: null, decisions: [], verdicts: [], metrics: [], checks: [], approvals: [] });
  });
});

describe('renderReport', () => {
  const html = renderReport(REPORT_ANALYSIS, reportEvents(), OPTIONS);

  it('is one self-contained page: no script, no external resource, a CSP that forbids both', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\s(src|href)=["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/<link\s/i);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
  });

  it('escapes every value from the trail: template name, version, reasons, sources (an XSS attempt stays text)', () => {
    expect(html).not.toContain(XSS);
    expect(html).not.toMatch(/<img/i);
    const escaped = escapeHtml(XSS);
    expect(escaped).toBe('&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;');
    // template (header), version (title, header), two reasons, the check's source, the approval's reason
    expect(count(html, new RegExp(escaped.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'g'))).toBeGreaterThanOrEqual(6);
  });

  it('shows the decision and its rule, the timeline, one baseline-vs-canary chart per metric and the judge evidence', () => {
    expect(html).toMatch(/<div class="decision verdict-abort" id="decision">Decision: abort by rule error-spike <span class="meta">\(abort\)<\/span><\/div>/);
    expect(html).toContain('<title>canaryd report: checkout 1.4.2&lt;script&gt;');
    expect(count(html, /<svg class="metric-chart"/g)).toBe(2);
    expect(html).toContain('data-name="error_rate"');
    expect(html).toContain('data-name="latency"');
    expect(count(html, /<svg class="evidence-chart"/g)).toBe(2); // p-value and e-value of latency
    expect(html).toContain('latency: p-value (sequential-histogram)');
    expect(html).toContain('<table id="decisions">');
    expect(html).toContain(
      '<tr><td>2026-12-01 10:00:05Z</td><td class="verdict-promote">promote</td><td>healthy <span class="meta">(promote)</span></td><td>1 → 2 (50%)</td>',
    );
    expect(html).toContain('<table id="verdicts">');
    expect(html).toContain('<section id="checks">');
    expect(html).toContain('{&quot;task_success&quot;:0.91,&quot;pii_leakage&quot;:0}');
    expect(html).toContain('<section id="approvals">');
  });

  it('leaves out checks and approvals when the trail has none', () => {
    const plain = renderReport(
      REPORT_ANALYSIS,
      reportEvents().filter((event) => event.type !== 'check' && !event.type.startsWith('approval-')),
      OPTIONS,
    );
    expect(plain).not.toContain('id="checks"');
    expect(plain).not.toContain('id="approvals"');
    expect(count(plain, /<svg class="metric-chart"/g)).toBe(2);
  });
});

describe('lineChart', () => {
  it('breaks the line at a missing value and scales into the plot', () => {
    const svg = lineChart({
      title: 'x <y>',
      className: 'metric-chart',
      name: 'x',
      series: [
        {
          label: 'canary',
          className: 'canary',
          points: [
            { x: 0, y: 0 },
            { x: 1, y: 1 },
            { x: 2, y: null },
            { x: 3, y: 1 },
            { x: 4, y: 0 },
          ],
        },
      ],
    });
    expect(count(svg, /<polyline class="line canary" points="([\d.]+,[\d.]+ ?){2}"/g)).toBe(2);
    expect(svg).toContain('<title>x &lt;y&gt;</title>');
    const xs = [...svg.matchAll(/points="([^"]+)"/g)].flatMap((match) => (match[1] ?? '').split(' ').map((pair) => Number(pair.split(',')[0])));
    expect(Math.min(...xs)).toBe(64);
    expect(Math.max(...xs)).toBe(624);
  });
});
