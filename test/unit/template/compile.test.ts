import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { CompiledTemplate } from '../../../src/analysis/types.js';
import { formatProblem } from '../../../src/template/problems.js';
import { parseTemplate } from '../../../src/template/load.js';
import { MINIMAL_TEMPLATE } from './template-text.js';

const CONTRACT_EXAMPLE = readFileSync(fileURLToPath(new URL('./fixtures/http-service.yaml', import.meta.url)), 'utf8');

function problemsOf(text: string): string[] {
  const result = parseTemplate(text, 't.yaml');
  return result.ok ? [] : result.problems.map(formatProblem);
}

function compiled(text: string): CompiledTemplate {
  const result = parseTemplate(text, 't.yaml');
  if (!result.ok) throw new Error(result.problems.map((problem) => problem.message).join('\n'));
  return result.template;
}

describe('parseTemplate: compiling a valid template', () => {
  it('compiles the contract example (architecture.md §3) with ms durations, steps and rules', () => {
    const template = compiled(CONTRACT_EXAMPLE);
    expect(template.name).toBe('http-service');
    expect(template.description).toBe('Error rate and latency of an HTTP service behind a canary split.');
    expect(template.source).toBe('default');
    expect(template.args).toEqual([{ name: 'service' }, { name: 'namespace', default: 'default' }]);
    expect(template.variants).toEqual({ baseline: 'baseline', canary: 'canary' });
    expect(template.baseline).toEqual({ mode: 'concurrent', offsetMs: 0 });
    expect(template.intervalMs).toBe(60_000);
    expect(template.initialDelayMs).toBe(0);
    expect(template.lookbackMs).toBe(600_000);
    expect(template.steps).toEqual([
      { weight: 1, minDurationMs: 300_000, maxDurationMs: 3_600_000 },
      { weight: 5, minDurationMs: 900_000, maxDurationMs: 3_600_000 },
      { weight: 25, minDurationMs: 900_000, maxDurationMs: 3_600_000 },
      { weight: 50, minDurationMs: 900_000, maxDurationMs: 3_600_000 },
      { weight: 100, minDurationMs: 900_000, maxDurationMs: 3_600_000 },
    ]);
    expect(template.onTimeout).toBe('abort');
    expect(template.consecutiveErrorLimit).toBe(4);
    expect(template.onError).toBe('pause');
    expect(template.metrics.map((metric) => [metric.name, metric.direction])).toEqual([
      ['requests', 'increase'],
      ['error_rate', 'increase'],
      ['p95_latency', 'increase'],
    ]);
    // A folded scalar keeps its text (with the trailing newline of `>`).
    expect(template.metrics[1]?.query).toMatch(/^sum\(rate\(http_requests_total\{.*\}\[\{\{ window \}\}\]\)\)\n$/);
    expect(template.rules.map((rule) => [rule.group, rule.id, rule.conditions.map((condition) => condition.text)])).toEqual([
      ['abort', 'error-spike', ['error_rate.change > 50%']],
      ['hold', 'low-traffic', ['requests.canary < 200']],
      ['hold', 'telemetry-missing', ['error_rate.missing or p95_latency.missing']],
      ['promote', 'healthy', ['error_rate.change < 10%', 'p95_latency.change < 20%']],
    ]);
    expect(template.rules[0]?.conditions[0]?.ast).toEqual({
      type: 'compare',
      metric: 'error_rate',
      stat: 'change',
      column: 1,
      op: '>',
      value: 0.5,
      literal: '50%',
    });
    expect(template.rules[2]?.conditions[0]?.ast.type).toBe('or');
  });

  it('applies the documented defaults', () => {
    const template = compiled(MINIMAL_TEMPLATE);
    expect(template).toMatchObject({
      source: 'default',
      variants: { baseline: 'baseline', canary: 'canary' },
      baseline: { mode: 'concurrent', offsetMs: 0 },
      initialDelayMs: 0,
      lookbackMs: null,
      onTimeout: 'abort',
      consecutiveErrorLimit: 4,
      onError: 'pause',
    });
    expect(template.description).toBeUndefined();
    expect(template.steps).toEqual([
      { weight: 50, minDurationMs: 0, maxDurationMs: null },
      { weight: 100, minDurationMs: 0, maxDurationMs: null },
    ]);
  });

  it('keeps explicit settings: previous baseline, variants, numeric arg defaults, judges', () => {
    const text = MINIMAL_TEMPLATE.replace(
      '  interval: 1m\n',
      '  interval: 30s\n  initialDelay: 2m\n  source: thanos\n  baseline: { mode: previous, offset: 1d }\n  variants: { baseline: stable, canary: next }\n  onTimeout: pause\n  onError: abort\n  consecutiveErrorLimit: 0\n',
    )
      .replace('    - name: service\n', '    - name: service\n    - name: quantile\n      default: 0.99\n')
      .replace('    - name: errors\n', '    - name: errors\n      direction: both\n      judge: { type: mann-whitney, alpha: 0.05 }\n');
    const template = compiled(text);
    expect(template.intervalMs).toBe(30_000);
    expect(template.initialDelayMs).toBe(120_000);
    expect(template.source).toBe('thanos');
    expect(template.baseline).toEqual({ mode: 'previous', offsetMs: 86_400_000 });
    expect(template.variants).toEqual({ baseline: 'stable', canary: 'next' });
    expect(template.onTimeout).toBe('pause');
    expect(template.onError).toBe('abort');
    expect(template.consecutiveErrorLimit).toBe(0);
    expect(template.args).toEqual([{ name: 'service' }, { name: 'quantile', default: '0.99' }]);
    expect(template.metrics[0]).toMatchObject({ direction: 'both', judge: { type: 'mann-whitney', alpha: 0.05 } });
  });

  it('passes a valid spec.scoring through untouched', () => {
    const scoring = '  scoring: { groups: [{ name: all, weight: 1, metrics: [errors] }], thresholds: { pass: 80, marginal: 60 } }\n';
    const text = MINIMAL_TEMPLATE.replace('    - name: errors\n', '    - name: errors\n      judge: { type: mann-whitney }\n').replace(
      '  rules:\n',
      `${scoring}  rules:\n`,
    );
    expect(compiled(text).scoring).toEqual({ groups: [{ name: 'all', weight: 1, metrics: ['errors'] }], thresholds: { pass: 80, marginal: 60 } });
  });

  it('reports an invalid spec.scoring at its position: an unknown key, then a metric without a judge', () => {
    const unknownKey = MINIMAL_TEMPLATE.replace('  rules:\n', '  scoring: { groups: [{ name: all, weight: 1, metrics: [errors] }], pass: 80 }\n  rules:\n');
    expect(problemsOf(unknownKey)).toEqual(['t.yaml:15:75: spec.scoring.pass: unknown key "pass"']);
    const unjudged = MINIMAL_TEMPLATE.replace('  rules:\n', '  scoring: { groups: [{ name: all, weight: 1, metrics: [errors] }] }\n  rules:\n');
    const problems = problemsOf(unjudged);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^t\.yaml:15:\d+: spec\.scoring\.groups\[0\]\.metrics\[0\]: .*errors/);
  });
});
