// Human-readable output of analyses: one line per tick, then the outcome.

import type { MetricResult } from '../analysis/types.js';
import type { AnalysisReport, ReportedTick } from '../engine/backtest.js';

export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e6 || magnitude < 1e-3) return value.toExponential(2);
  return String(Number(value.toPrecision(4)));
}

function formatChange(change: number | null | undefined): string {
  if (change === null || change === undefined || !Number.isFinite(change)) return '';
  const percent = change * 100;
  return ` (${percent >= 0 ? '+' : ''}${formatNumber(percent)}%)`;
}

export function formatMetric(metric: MetricResult): string {
  if (metric.error) return `${metric.name}: error`;
  if (metric.missing) return `${metric.name}: missing`;
  let text = `${metric.name} ${formatNumber(metric.baseline)}→${formatNumber(metric.canary)}${formatChange(metric.change)}`;
  if (metric.judge) {
    const verdict = metric.regressed ? 'REGRESSED' : metric.improved ? 'improved' : 'ok';
    const pValue = metric.p_value === null || metric.p_value === undefined ? '' : ` p=${formatNumber(metric.p_value)}`;
    text += ` [${metric.judge.judge}: ${verdict}${pValue}${judgeDetail(metric)}]`;
  }
  return text;
}

function judgeDetail(metric: MetricResult): string {
  const details = metric.judge?.details ?? {};
  const parts: string[] = [];
  for (const key of ['eValue', 'classification', 'estimate', 'canaryCount', 'baselineCount', 'canaryEvents', 'baselineEvents']) {
    const value = details[key];
    if (typeof value === 'number') parts.push(`${key}=${formatNumber(value)}`);
    else if (typeof value === 'string') parts.push(`${key}=${value}`);
  }
  return parts.length > 0 ? ` ${parts.join(' ')}` : '';
}

export function formatTick(tick: ReportedTick, steps: number): string {
  const rule = tick.rule ? ` ${tick.rule.group}/${tick.rule.id}` : '';
  const metrics = tick.metrics.map(formatMetric).join('; ');
  return `${tick.at}  step ${tick.step + 1}/${steps} @${tick.weight}%  ${tick.verdict.toUpperCase().padEnd(8)}${rule}  window ${tick.window}  ${metrics}\n    ${tick.reason}`;
}

export function formatReport(report: AnalysisReport): string {
  const lines = report.ticks.map((tick) => formatTick(tick, report.steps));
  if (report.ticks.length === 0) lines.push('(no judged tick)');
  const rule = report.rule ? `${report.rule.group}/${report.rule.id}` : 'no rule';
  const when = report.decidedAt ? ` at ${report.decidedAt}` : '';
  lines.push(
    '',
    `${report.template}: ${report.verdict.toUpperCase()}${when} — step ${report.step + 1}/${report.steps} (weight ${report.weight}%), ${rule}`,
    `  ${report.reason}`,
  );
  return `${lines.join('\n')}\n`;
}
