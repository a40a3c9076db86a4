// Issue 7, item 4: in baseline.mode concurrent (the default) a query must tell the variants apart with
// {{ variant }}, or baseline and canary read the same series; issue 7, item 3: `optional: true`.

import { describe, expect, it } from 'vitest';
import type { CompiledTemplate } from '../../../src/analysis/types.js';
import { parseTemplate } from '../../../src/template/load.js';
import { formatProblem } from '../../../src/template/problems.js';
import { MINIMAL_TEMPLATE, positionOf } from './template-text.js';

const QUERY = 'query: sum(rate(errors_total{service="{{ args.service }}",track="{{ variant }}"}[{{ window }}]))';
const NO_VARIANT = 'sum(rate(errors_total{service="{{ args.service }}"}[{{ window }}]))';
const NO_VARIANT_MESSAGE =
  'has no {{ variant }}, so baseline and canary would read the same series ' +
  '(baseline.mode concurrent compares the two variants; label them, e.g. track="{{ variant }}")';

function problemsOf(text: string): string[] {
  const result = parseTemplate(text, 't.yaml');
  return result.ok ? [] : result.problems.map(formatProblem);
}

function compiled(text: string): CompiledTemplate {
  const result = parseTemplate(text, 't.yaml');
  if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
  return result.template;
}

function withBaseline(text: string, baseline: string): string {
  return text.replace('  interval: 1m\n', `  interval: 1m\n  baseline: ${baseline}\n`);
}

describe('a query without {{ variant }}', () => {
  it('is an error at the query in the default (concurrent) mode', () => {
    const text = MINIMAL_TEMPLATE.replace(QUERY, `query: ${NO_VARIANT}`);
    expect(problemsOf(text)).toEqual([`t.yaml:${positionOf(text, NO_VARIANT)}: spec.metrics[0].query: ${NO_VARIANT_MESSAGE}`]);
  });

  it('is an error with baseline.mode concurrent spelt out', () => {
    const text = withBaseline(MINIMAL_TEMPLATE.replace(QUERY, `query: ${NO_VARIANT}`), '{ mode: concurrent }');
    expect(problemsOf(text)).toEqual([`t.yaml:${positionOf(text, NO_VARIANT)}: spec.metrics[0].query: ${NO_VARIANT_MESSAGE}`]);
  });

  it('names only the offending metric, at its own line, when another metric has a variant', () => {
    const text = MINIMAL_TEMPLATE.replace(
      '  rules:\n',
      `    - name: requests\n      query: ${NO_VARIANT.replace('errors_total', 'requests_total')}\n  rules:\n`,
    );
    expect(problemsOf(text)).toEqual([`t.yaml:${positionOf(text, 'sum(rate(requests_total')}: spec.metrics[1].query: ${NO_VARIANT_MESSAGE}`]);
  });

  it('in a block scalar, is reported where the query value begins', () => {
    const text = MINIMAL_TEMPLATE.replace(QUERY, 'query: >-\n        sum(rate(errors_total[{{ window }}]))\n        / 2');
    expect(problemsOf(text)).toEqual([`t.yaml:${positionOf(text, '>-')}: spec.metrics[0].query: ${NO_VARIANT_MESSAGE}`]);
  });

  it('sits alongside other problems of the same query instead of hiding them', () => {
    const text = MINIMAL_TEMPLATE.replace(QUERY, 'query: sum(rate(errors_total{zone="{{ args.zone }}"}[5m]))');
    expect(problemsOf(text)).toEqual([
      `t.yaml:${positionOf(text, 'sum(rate(errors_total')}: spec.metrics[0].query: ${NO_VARIANT_MESSAGE}`,
      `t.yaml:${positionOf(text, '{{ args.zone')}: spec.metrics[0].query: {{ args.zone }} names an argument that spec.args does not declare`,
    ]);
  });

  it('is accepted with baseline.mode previous, where both variants are the canary at different times', () => {
    const text = withBaseline(MINIMAL_TEMPLATE.replace(QUERY, `query: ${NO_VARIANT}`), '{ mode: previous, offset: 1d }');
    expect(problemsOf(text)).toEqual([]);
    const template = compiled(text);
    expect(template.baseline).toEqual({ mode: 'previous', offsetMs: 86_400_000 });
    expect(template.metrics[0]?.query).toBe(NO_VARIANT);
  });

  it('a query with {{ variant }} is accepted in concurrent mode (the fixture itself)', () => {
    expect(problemsOf(MINIMAL_TEMPLATE)).toEqual([]);
  });
});

describe('optional metrics', () => {
  const optional = (value: string): string =>
    MINIMAL_TEMPLATE.replace('  rules:\n', `    - name: info\n      optional: ${value}\n      query: count(up{track="{{ variant }}"})\n  rules:\n`);

  it('optional: true is accepted and compiled onto the metric', () => {
    const template = compiled(optional('true'));
    expect(template.metrics.map((metric) => [metric.name, metric.optional === true])).toEqual([
      ['errors', false],
      ['info', true],
    ]);
    expect(template.metrics[1]?.optional).toBe(true);
  });

  it('optional: false, like no optional at all, leaves the metric required', () => {
    expect(compiled(optional('false')).metrics[1]?.optional).not.toBe(true);
    expect(compiled(MINIMAL_TEMPLATE).metrics[0]?.optional).not.toBe(true);
  });

  it('optional must be true or false', () => {
    const text = optional('"yes"');
    const problems = problemsOf(text);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^t\\.yaml:${positionOf(text, '"yes"')}: spec\\.metrics\\[1\\]\\.optional: `));
  });
});
