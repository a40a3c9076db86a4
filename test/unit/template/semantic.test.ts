import { describe, expect, it } from 'vitest';
import { parseTemplate, type TemplateLoadOptions } from '../../../src/template/load.js';
import { formatProblem } from '../../../src/template/problems.js';
import { MINIMAL_TEMPLATE, positionOf } from './template-text.js';

function problemsOf(text: string, options?: TemplateLoadOptions): string[] {
  const result = parseTemplate(text, 't.yaml', options);
  if (result.ok) throw new Error('expected problems, the template was accepted');
  return result.problems.map(formatProblem);
}

const WHEN = 'when: errors.change < 10%';

function withWhen(when: string): string {
  return MINIMAL_TEMPLATE.replace(WHEN, when);
}

function withMetrics(extra: string): string {
  return MINIMAL_TEMPLATE.replace('  rules:\n', `${extra}  rules:\n`);
}

describe('condition refs', () => {
  it('an unknown metric is reported at the column of the ref inside a plain scalar', () => {
    const text = withWhen('when: errors.change < 10% and latency.change < 5%');
    expect(problemsOf(text)).toEqual([`t.yaml:${positionOf(text, 'latency.change')}: spec.rules.promote[0].when: unknown metric "latency" (metrics: errors)`]);
  });

  it('in list items: double-quoted with an escape before the ref, and single-quoted', () => {
    const text = withWhen(
      `when:\n          - errors.missing\n          - "errors.error or\\tghost.canary > 1"\n          - 'errors.error or phantom.canary > 1'`,
    );
    expect(problemsOf(text)).toEqual([
      `t.yaml:${positionOf(text, 'ghost')}: spec.rules.promote[0].when[1]: unknown metric "ghost" (metrics: errors)`,
      `t.yaml:${positionOf(text, 'phantom')}: spec.rules.promote[0].when[2]: unknown metric "phantom" (metrics: errors)`,
    ]);
  });

  it('maps a ref inside a double-quoted scalar after escapes to its real column', () => {
    const text = withWhen('when: "errors.missing\\t or \\u0041x.canary > 1"');
    expect(problemsOf(text)).toEqual([
      // \u0041 decodes to "A": the ref "Ax.canary" starts at the backslash of the escape.
      `t.yaml:${positionOf(text, '\\u0041x')}: spec.rules.promote[0].when: unknown metric "Ax" (metrics: errors)`,
    ]);
  });

  it('maps a parse error column inside a single-quoted scalar past a doubled quote', () => {
    const text = withWhen("when: 'errors.missing or (''x'' == 1) or bad.canary > 1'");
    // The condition language has no strings: the parser stops at the quote, which the file spells ''.
    expect(problemsOf(text)).toEqual([`t.yaml:${positionOf(text, "''x")}: spec.rules.promote[0].when: unexpected character '''`]);
  });

  it('maps a ref on the second line of a literal block scalar', () => {
    const text = withWhen('when: |\n          errors.missing\n          or ghost.canary > 1');
    expect(problemsOf(text)).toEqual([`t.yaml:${positionOf(text, 'ghost')}: spec.rules.promote[0].when: unknown metric "ghost" (metrics: errors)`]);
  });

  it('maps a ref on the third line of a folded block scalar', () => {
    const text = withWhen('when: >-\n          errors.missing\n          or errors.error\n          or ghost.canary > 1');
    expect(problemsOf(text)).toEqual([`t.yaml:${positionOf(text, 'ghost')}: spec.rules.promote[0].when: unknown metric "ghost" (metrics: errors)`]);
  });

  it('maps a ref on a continuation line of a multi-line plain scalar', () => {
    const text = withWhen('when: errors.missing\n          or ghost.canary > 1');
    expect(problemsOf(text)).toEqual([`t.yaml:${positionOf(text, 'ghost')}: spec.rules.promote[0].when: unknown metric "ghost" (metrics: errors)`]);
  });

  it('an unknown stat', () => {
    const text = withWhen('when: errors.chnge > 1');
    expect(problemsOf(text)).toEqual([
      `t.yaml:18:15: spec.rules.promote[0].when: unknown stat "chnge" of metric "errors" (stats: baseline, canary, delta, change, ratio, missing, error)`,
    ]);
  });

  it('judge stats exist only on metrics with a judge', () => {
    const text = withWhen('when: errors.regressed or errors.p_value < 0.05');
    expect(problemsOf(text)).toEqual([
      `t.yaml:18:15: spec.rules.promote[0].when: "errors.regressed" needs a judge on metric "errors"`,
      `t.yaml:${positionOf(text, 'errors.p_value')}: spec.rules.promote[0].when: "errors.p_value" needs a judge on metric "errors"`,
    ]);
    const judged = text.replace('    - name: errors\n', '    - name: errors\n      judge: { type: mann-whitney }\n');
    expect(parseTemplate(judged, 't.yaml').ok).toBe(true);
  });

  it('score stats need spec.scoring', () => {
    const text = withWhen('when: score.value > 80');
    expect(problemsOf(text)).toEqual([`t.yaml:18:15: spec.rules.promote[0].when: unknown metric "score" (metrics: errors; score stats need spec.scoring)`]);
    const scored = text
      .replace('    - name: errors\n', '    - name: errors\n      judge: { type: mann-whitney }\n')
      .replace('  rules:\n', '  scoring: { groups: [{ name: all, weight: 1, metrics: [errors] }] }\n  rules:\n');
    expect(parseTemplate(scored, 't.yaml').ok).toBe(true);
    const critical = scored.replace('when: score.value > 80', 'when: score.critical or score.total > 1');
    expect(problemsOf(critical)).toEqual([
      `t.yaml:${positionOf(critical, 'score.total')}: spec.rules.promote[0].when: unknown stat "total" of the score (stats: value, critical)`,
    ]);
  });

  it('a number stat used bare, or a boolean stat compared, can never fire: both are refused', () => {
    const text = withWhen('when: errors.change or errors.missing > 0');
    expect(problemsOf(text)).toEqual([
      `t.yaml:18:15: spec.rules.promote[0].when: "errors.change" is a number: compare it, e.g. "errors.change > 10%"`,
      `t.yaml:${positionOf(text, 'errors.missing')}: spec.rules.promote[0].when: "errors.missing" is true or false: use it without a comparison`,
    ]);
  });

  it('a condition that does not parse: the parser message at its column in the file', () => {
    const text = withWhen('when: errors.change < 10% and (errors.error');
    expect(problemsOf(text)).toEqual([`t.yaml:${positionOf(text, '(errors.error')}: spec.rules.promote[0].when: unbalanced '(': no matching ')'`]);
    const bad = withWhen('when: errors.change = 10%');
    const problems = problemsOf(bad);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^t\\.yaml:${positionOf(bad, '= 10%')}: spec\\.rules\\.promote\\[0\\]\\.when: .*==`));
  });
});

describe('names and ids', () => {
  it('duplicate metric names are reported at the second one', () => {
    const text = withMetrics('    - name: errors\n      query: sum(up{track="{{ variant }}"})\n');
    expect(problemsOf(text)).toEqual([`t.yaml:15:13: spec.metrics[1].name: duplicate metric name "errors"`]);
  });

  it('duplicate rule ids across groups, and reserved ids', () => {
    const text = MINIMAL_TEMPLATE.replace(
      '  rules:\n',
      '  rules:\n    abort:\n      - id: ok\n        when: errors.error\n    hold:\n      - id: manual\n        when: errors.missing\n',
    );
    expect(problemsOf(text)).toEqual([
      `t.yaml:20:13: spec.rules.hold[0].id: "manual" is reserved for a built-in rule (step-timeout, source-errors, adapter-failed, manual, policy-denied, approval-expired, approval-rejected, freeze)`,
      `t.yaml:23:13: spec.rules.promote[0].id: duplicate rule id "ok" (first at spec.rules.abort[0].id)`,
    ]);
  });

  it('duplicate argument names', () => {
    const text = MINIMAL_TEMPLATE.replace('    - name: service\n', '    - name: service\n    - name: service\n      default: x\n');
    expect(problemsOf(text)).toEqual([`t.yaml:8:13: spec.args[1].name: duplicate argument "service"`]);
  });
});

describe('placeholders', () => {
  const query = 'query: sum(rate(errors_total{service="{{ args.service }}",track="{{ variant }}"}[{{ window }}]))';

  it('an unknown placeholder, at the placeholder', () => {
    const text = MINIMAL_TEMPLATE.replace(query, 'query: sum(rate(errors_total{track="{{ variant }}",zone="{{ track }}"}[{{ window }}]))');
    expect(problemsOf(text)).toEqual([
      `t.yaml:${positionOf(text, '{{ track')}: spec.metrics[0].query: unknown placeholder {{ track }}: use {{ args.NAME }}, {{ variant }}, {{ window }} or {{ interval }}`,
    ]);
  });

  it('an undeclared argument', () => {
    const text = MINIMAL_TEMPLATE.replace(query, 'query: sum(rate(errors_total{track="{{ variant }}",zone="{{args.zone}}"}[{{ interval }}]))');
    expect(problemsOf(text)).toEqual([
      `t.yaml:${positionOf(text, '{{args.zone')}: spec.metrics[0].query: {{ args.zone }} names an argument that spec.args does not declare`,
    ]);
  });

  it('an unclosed placeholder', () => {
    const text = MINIMAL_TEMPLATE.replace(query, 'query: sum(rate(errors_total{zone="{{ args.service"}[5m]))');
    expect(problemsOf(text)).toEqual([`t.yaml:${positionOf(text, '{{ args.service"')}: spec.metrics[0].query: "{{" is never closed with "}}"`]);
  });

  it('a placeholder right after a backslash inside a string', () => {
    const text = MINIMAL_TEMPLATE.replace(query, String.raw`query: 'sum(rate(errors_total{track="{{ variant }}",zone="a\{{ args.service }}"}[5m]))'`);
    expect(problemsOf(text)).toEqual([
      `t.yaml:${positionOf(text, '{{ args.service')}: spec.metrics[0].query: {{ args.service }} follows a backslash, which would escape its value's first character`,
    ]);
  });

  it('a placeholder inside a folded block scalar, on its second line', () => {
    const text = MINIMAL_TEMPLATE.replace(query, 'query: >\n        sum(rate(a{track="{{ variant }}"}[5m]))\n        / sum(rate(b{x="{{ args.nope }}"}[5m]))');
    expect(problemsOf(text)).toEqual([
      `t.yaml:${positionOf(text, '{{ args.nope')}: spec.metrics[0].query: {{ args.nope }} names an argument that spec.args does not declare`,
    ]);
  });
});

describe('PromQL syntax', () => {
  const query = 'query: sum(rate(errors_total{service="{{ args.service }}",track="{{ variant }}"}[{{ window }}]))';

  it('a missing closing parenthesis is reported at the end of the query', () => {
    const unclosed = 'sum(rate(x{track="{{ variant }}"}[5m])';
    const text = MINIMAL_TEMPLATE.replace(query, `query: ${unclosed}`);
    expect(problemsOf(text)).toEqual([
      `t.yaml:${positionOf(text, unclosed, 1, unclosed.length)}: spec.metrics[0].query: PromQL syntax error: unexpected end of query`,
    ]);
  });

  it('an error after a placeholder maps back past the placeholder', () => {
    const text = MINIMAL_TEMPLATE.replace(query, 'query: rate(x{a="{{ args.service }}",track="{{ variant }}"}[{{ window }}]) +* 2');
    expect(problemsOf(text)).toEqual([`t.yaml:${positionOf(text, '* 2')}: spec.metrics[0].query: PromQL syntax error: unexpected "*"`]);
  });

  it('an error on the second line of a folded block scalar', () => {
    const text = MINIMAL_TEMPLATE.replace(query, 'query: >-\n        sum(rate(a{track="{{ variant }}"}[{{ window }}]))\n        / sum(rate(b{c=}[5m]))');
    expect(problemsOf(text)).toEqual([`t.yaml:${positionOf(text, '}[5m]))')}: spec.metrics[0].query: PromQL syntax error: unexpected "}"`]);
  });

  it('accepts histogram_quantile, by (le), offset, @, regex matchers and comments', () => {
    const text = MINIMAL_TEMPLATE.replace(
      query,
      'query: |\n        # p95 of the canary\n        histogram_quantile(0.95, sum by (le) (rate(h_bucket{service=~"{{ args.service }}|other",code!~"5..",track="{{ variant }}"}[{{ window }}] offset 1d @ 1609746000)))',
    );
    expect(parseTemplate(text, 't.yaml').ok).toBe(true);
  });

  it('accepts bare arguments used as a range, an offset, an @ time, a count, a metric name and a label', () => {
    const text = MINIMAL_TEMPLATE.replace(
      '    - name: service\n',
      '    - name: service\n    - { name: range, default: 5m }\n    - { name: at, default: 1609746000 }\n    - { name: k, default: 3 }\n    - { name: metric, default: up }\n    - { name: label, default: pod }\n',
    ).replace(
      query,
      'query: topk({{ args.k }}, sum by ({{ args.label }}) (rate({{ args.metric }}{s="{{ args.service }}",track="{{ variant }}"}[{{ args.range }}] offset {{ args.range }} @ {{ args.at }})))',
    );
    const result = parseTemplate(text, 't.yaml');
    expect(result.ok ? [] : result.problems.map(formatProblem)).toEqual([]);
  });
});

describe('durations', () => {
  it('an invalid duration, a bare number, and a zero interval', () => {
    const text = MINIMAL_TEMPLATE.replace('  interval: 1m\n', '  interval: 0s\n  initialDelay: 5\n  lookback: 10 min\n');
    expect(problemsOf(text)).toEqual([
      `t.yaml:8:13: spec.interval: must be a duration greater than 0`,
      `t.yaml:9:17: spec.initialDelay: invalid duration 5: expected e.g. 30s, 5m, 1h30m (give a unit, e.g. 30s)`,
      `t.yaml:10:13: spec.lookback: invalid duration "10 min": expected e.g. 30s, 5m, 1h30m`,
    ]);
  });

  it('baseline.mode previous needs an offset; concurrent takes none', () => {
    const previous = MINIMAL_TEMPLATE.replace('  interval: 1m\n', '  interval: 1m\n  baseline: { mode: previous }\n');
    expect(problemsOf(previous)).toEqual([`t.yaml:9:13: spec.baseline.offset: required when mode is previous (e.g. offset: 1d)`]);
    const concurrent = MINIMAL_TEMPLATE.replace('  interval: 1m\n', '  interval: 1m\n  baseline: { mode: concurrent, offset: 1d }\n');
    expect(problemsOf(concurrent)).toEqual([`t.yaml:9:33: spec.baseline.offset: only applies to mode: previous`]);
  });
});

describe('steps', () => {
  it('weights must be within (0, 100] and strictly increasing', () => {
    const text = MINIMAL_TEMPLATE.replace(
      '    - weight: 50\n    - weight: 100\n',
      '    - weight: 0\n    - weight: 10\n    - weight: 10\n    - weight: 5\n    - weight: 150\n',
    );
    expect(problemsOf(text)).toEqual([
      `t.yaml:10:15: spec.steps[0].weight: must be within (0, 100], got 0`,
      `t.yaml:12:15: spec.steps[2].weight: weights must increase step by step; 10 follows 10`,
      `t.yaml:13:15: spec.steps[3].weight: weights must increase step by step; 5 follows 10`,
      `t.yaml:14:15: spec.steps[4].weight: must be within (0, 100], got 150`,
    ]);
  });

  it('minDuration longer than maxDuration, per step after applying stepDefaults', () => {
    const text = MINIMAL_TEMPLATE.replace(
      '    - weight: 50\n    - weight: 100\n',
      '    - { weight: 10, minDuration: 2h }\n    - { weight: 50, minDuration: 5m, maxDuration: 1m }\n    - { weight: 100 }\n',
    ).replace('  interval: 1m\n', '  interval: 1m\n  stepDefaults: { minDuration: 1h30m, maxDuration: 1h }\n');
    expect(problemsOf(text)).toEqual([
      `t.yaml:${positionOf(text, '2h }')}: spec.steps[0].minDuration: minDuration is longer than maxDuration (with spec.stepDefaults)`,
      `t.yaml:${positionOf(text, '5m, maxDuration')}: spec.steps[1].minDuration: minDuration is longer than maxDuration`,
      `t.yaml:13:7: spec.steps[2]: minDuration is longer than maxDuration (with spec.stepDefaults)`,
    ]);
  });
});

describe('judge validator hook', () => {
  it('is called for each judge with the metric names, and its problems are located', () => {
    const text = MINIMAL_TEMPLATE.replace('    - name: errors\n', '    - name: errors\n      judge:\n        type: mann-whitney\n        alpha: 2\n');
    const calls: Array<{ judge: Record<string, unknown>; names: string[]; path: (string | number)[] }> = [];
    const problems = problemsOf(text, {
      judgeValidator: (judge, names, path) => {
        calls.push({ judge, names, path });
        return [{ path: [...path, 'alpha'], message: 'must be within (0, 1)' }];
      },
    });
    expect(calls).toEqual([{ judge: { type: 'mann-whitney', alpha: 2 }, names: ['errors'], path: ['spec', 'metrics', 0, 'judge'] }]);
    expect(problems).toEqual([`t.yaml:16:16: spec.metrics[0].judge.alpha: must be within (0, 1)`]);
  });

  it('a judge without a string type is a shape error', () => {
    const text = MINIMAL_TEMPLATE.replace('    - name: errors\n', '    - name: errors\n      judge: { alpha: 0.05 }\n');
    expect(problemsOf(text)).toEqual([`t.yaml:14:14: spec.metrics[0].judge.type: required`]);
  });
});
