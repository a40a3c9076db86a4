// The HTML canary report: one self-contained page (inline CSS and SVG, no script, no external
// resource) built from a ReportModel. Pure: `generatedAt` is an argument. Every value from the
// trail is escaped (src/report/html.ts).

import { escapeHtml as e, formatInstant, formatValue } from './html.js';
import { buildReportModel, type MetricSeries, type ReportAnalysis, type ReportEvent, type ReportModel } from './model.js';
import { lineChart } from './svg.js';

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2430;background:#f6f7f9}
main{max-width:1080px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}h3{font-size:15px;margin:16px 0 6px}
.meta{color:#5b6472}.card{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:14px 16px;margin:10px 0}
.decision{font-size:18px;font-weight:600}.verdict-abort,.verdict-fail{color:#b42318}.verdict-complete,.verdict-promote{color:#067647}
.verdict-hold,.verdict-pause{color:#b54708}.verdict-continue,.verdict-resume{color:#344054}
table{border-collapse:collapse;width:100%;background:#fff}th,td{border:1px solid #dde1e7;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eef1f5;font-weight:600}code{font:12px ui-monospace,monospace;word-break:break-all}
svg{display:block;margin:8px 0;background:#fff;border:1px solid #dde1e7;border-radius:4px;max-width:100%;height:auto}
svg .plot{fill:#fbfcfd;stroke:#dde1e7}svg .grid{stroke:#eef1f5}svg .tick,svg .legend,svg .marker-label{font-size:11px;fill:#5b6472}
svg .chart-title{font-size:12px;font-weight:600;fill:#1d2430}svg polyline.line,svg line.line{fill:none;stroke-width:2}
svg .marker{stroke:#98a2b3;stroke-dasharray:4 3}svg .baseline{stroke:#1570ef;fill:#1570ef}svg .canary{stroke:#dc6803;fill:#dc6803}
svg .p-value{stroke:#7a5af8;fill:#7a5af8}svg .e-value{stroke:#099250;fill:#099250}
.metric{display:grid;grid-template-columns:minmax(0,1fr);gap:4px}
`;

export interface RenderOptions {
  /** ISO instant shown as "generated at". */
  generatedAt: string;
}

function verdictClass(verdict: string): string {
  return `verdict-${verdict.replace(/[^a-z-]/g, '')}`;
}

function ruleText(rule: { id: string; group: string } | null): string {
  return rule === null ? '—' : `${e(rule.id)} <span class="meta">(${e(rule.group)})</span>`;
}

function headerSection(model: ReportModel, options: RenderOptions): string {
  const { analysis, decision } = model;
  const { service, environment, version } = analysis.target;
  const summary =
    decision === null
      ? `<div class="decision ${verdictClass(analysis.phase)}" id="decision">No decision yet: ${e(analysis.phase)} at step ${analysis.step + 1} of ${analysis.steps} (weight ${analysis.weight}%)</div>`
      : `<div class="decision ${verdictClass(decision.decision)}" id="decision">Decision: ${e(decision.decision)} by rule ${ruleText(decision.rule)}</div>` +
        `<p id="decision-reason">${e(decision.reason)}</p><p class="meta">at ${e(formatInstant(decision.at))}${decision.evidenceHash === null ? '' : ` · evidence <code>${e(decision.evidenceHash)}</code>`}${decision.actor === null ? '' : ` · by ${e(decision.actor)}`}</p>`;
  return `<header><h1>Canary report: ${e(service)} ${e(version)} <span class="meta">(${e(environment)})</span></h1>
<p class="meta">analysis <code>${e(analysis.id)}</code> · template ${e(analysis.template)}${analysis.templateHash ? ` <code>${e(analysis.templateHash.slice(0, 12))}</code>` : ''} · ${e(analysis.mode)} mode · phase ${e(analysis.phase)} · started ${e(formatInstant(analysis.startedAt))}${analysis.decidedAt === null ? '' : ` · decided ${e(formatInstant(analysis.decidedAt))}`}${analysis.createdBy ? ` · created by ${e(analysis.createdBy)}` : ''}</p>
<div class="card">${summary}</div>
<p class="meta">Generated ${e(formatInstant(options.generatedAt))} from ${model.events} events${model.lastEventHash === null ? '' : `, the last with hash <code>${e(model.lastEventHash)}</code>`}.</p></header>`;
}

function timelineSection(model: ReportModel): string {
  const decisions = model.decisions.map(
    (decision) =>
      `<tr><td>${e(formatInstant(decision.at))}</td><td class="${verdictClass(decision.decision)}">${e(decision.decision)}</td><td>${ruleText(decision.rule)}</td>` +
      `<td>${decision.fromStep === null ? '—' : decision.fromStep + 1} → ${decision.step === null ? '—' : decision.step + 1}${decision.weight === null ? '' : ` (${decision.weight}%)`}</td><td>${e(decision.reason)}</td></tr>`,
  );
  const runs = model.verdicts.map(
    (run) =>
      `<tr><td>${e(formatInstant(run.from))}${run.ticks > 1 ? ` – ${e(formatInstant(run.to))}` : ''}</td><td>${run.step === null ? '—' : run.step + 1}${run.weight === null ? '' : ` (${run.weight}%)`}</td>` +
      `<td class="${verdictClass(run.action)}">${e(run.action)}</td><td>${ruleText(run.rule)}</td><td>${run.ticks}</td><td>${e(run.reason)}</td></tr>`,
  );
  return `<section id="timeline"><h2>Timeline</h2>
<h3>Decisions</h3>${decisions.length === 0 ? '<p class="meta">No decision yet.</p>' : `<table id="decisions"><tr><th>at</th><th>decision</th><th>rule</th><th>step</th><th>reason</th></tr>${decisions.join('')}</table>`}
<h3>Verdicts</h3>${runs.length === 0 ? '<p class="meta">Not judged yet.</p>' : `<table id="verdicts"><tr><th>ticks at</th><th>step</th><th>verdict</th><th>rule</th><th>ticks</th><th>reason (last tick)</th></tr>${runs.join('')}</table>`}</section>`;
}

function metricSection(model: ReportModel, metric: MetricSeries): string {
  const markers = model.stepStarts.slice(1).map((start) => ({ x: start.at, label: `step ${start.step + 1}` }));
  const chart = lineChart({
    title: `${metric.name}: baseline vs canary`,
    className: 'metric-chart',
    name: metric.name,
    markers,
    series: [
      { label: 'baseline', className: 'baseline', points: metric.points.map((point) => ({ x: point.at, y: point.baseline })) },
      { label: 'canary', className: 'canary', points: metric.points.map((point) => ({ x: point.at, y: point.canary })) },
    ],
  });
  const evidence: string[] = [];
  if (metric.evidence.some((point) => point.pValue !== null)) {
    evidence.push(
      lineChart({
        title: `${metric.name}: p-value (${metric.judge ?? 'judge'})`,
        className: 'evidence-chart',
        name: metric.name,
        markers,
        yRange: [0, 1],
        series: [{ label: 'p-value', className: 'p-value', points: metric.evidence.map((point) => ({ x: point.at, y: point.pValue })) }],
        height: 160,
      }),
    );
  }
  if (metric.evidence.some((point) => point.eValue !== null)) {
    evidence.push(
      lineChart({
        title: `${metric.name}: e-value, log scale (${metric.judge ?? 'judge'})`,
        className: 'evidence-chart',
        name: metric.name,
        markers,
        yScale: 'log10',
        series: [{ label: 'e-value', className: 'e-value', points: metric.evidence.map((point) => ({ x: point.at, y: point.eValue })) }],
        height: 160,
      }),
    );
  }
  const { last } = metric;
  const lastLine =
    `last tick: baseline ${e(formatValue(last.baseline))}, canary ${e(formatValue(last.canary))}, change ${last.change === null ? '—' : `${e(formatValue(last.change * 100))}%`}` +
    `${last.regressed === null ? '' : `, ${last.regressed ? 'regressed' : 'not regressed'}`}${last.message === null ? '' : ` · ${e(last.message)}`}`;
  return `<div class="card metric" data-metric="${e(metric.name)}"><h3>${e(metric.name)}${metric.judge === null ? '' : ` <span class="meta">judged by ${e(metric.judge)}</span>`}</h3>${chart}${evidence.join('')}<p class="meta">${lastLine}</p></div>`;
}

function checksSection(model: ReportModel): string {
  if (model.checks.length === 0) return '';
  const rows = model.checks.map(
    (check) =>
      `<tr><td>${e(check.name)}</td><td><code>${e(JSON.stringify(check.values))}</code></td><td>${e(check.source)}</td><td>${check.digest === null ? '—' : `<code>${e(check.digest)}</code>`}</td><td>${e(formatInstant(check.at))}</td><td>${e(check.actor ?? '—')}</td></tr>`,
  );
  return `<section id="checks"><h2>Checks</h2><table><tr><th>check</th><th>values</th><th>source</th><th>digest</th><th>at</th><th>by</th></tr>${rows.join('')}</table></section>`;
}

function approvalsSection(model: ReportModel): string {
  if (model.approvals.length === 0) return '';
  const rows = model.approvals.map(
    (approval) =>
      `<tr><td>${e(formatInstant(approval.at))}</td><td>${e(approval.type.replace(/^approval-/, ''))}</td><td><code>${e(approval.approvalId)}</code></td><td>${e(approval.action)}</td><td>${e(approval.actor)}</td><td>${e(approval.reason)}</td></tr>`,
  );
  return `<section id="approvals"><h2>Approvals</h2><table><tr><th>at</th><th>event</th><th>approval</th><th>action</th><th>by</th><th>reason</th></tr>${rows.join('')}</table></section>`;
}

export function renderReportModel(model: ReportModel, options: RenderOptions): string {
  const { service, version } = model.analysis.target;
  const metrics = model.metrics.map((metric) => metricSection(model, metric)).join('');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${e(`canaryd report: ${service} ${version} (${model.decision?.decision ?? model.analysis.phase})`)}</title><style>${STYLE}</style></head>
<body><main>${headerSection(model, options)}${timelineSection(model)}
<section id="metrics"><h2>Metrics</h2>${metrics === '' ? '<p class="meta">No metric measured yet.</p>' : metrics}</section>
${checksSection(model)}${approvalsSection(model)}</main></body></html>
`;
}

/** The report of an analysis from its view and its trail. */
export function renderReport(analysis: ReportAnalysis, events: readonly ReportEvent[], options: RenderOptions): string {
  return renderReportModel(buildReportModel(analysis, events), options);
}
