import { describe, expect, it } from 'vitest';
import { parseTemplate } from '../../../src/template/load.js';
import { formatProblem } from '../../../src/template/problems.js';
import { MINIMAL_TEMPLATE, positionOf } from './template-text.js';

function problemsOf(text: string, file = 't.yaml'): string[] {
  const result = parseTemplate(text, file);
  if (result.ok) throw new Error('expected problems, the template was accepted');
  return result.problems.map(formatProblem);
}

describe('parseTemplate: YAML syntax', () => {
  it('accepts the minimal template', () => {
    const result = parseTemplate(MINIMAL_TEMPLATE, 't.yaml');
    expect(result.ok).toBe(true);
  });

  it('reports an unclosed flow sequence where the parser finds it broken (the next key)', () => {
    const text = MINIMAL_TEMPLATE.replace('  interval: 1m\n', '  interval: [1m, 2m\n');
    expect(problemsOf(text)).toEqual(['t.yaml:9:3: YAML: Flow sequence in block collection must be sufficiently indented and end with a ]']);
  });

  it('reports a compact nested mapping at its second colon', () => {
    expect(problemsOf('a: b: c\n')).toEqual(['t.yaml:1:4: YAML: Nested mappings are not allowed in compact mappings']);
  });

  it('reports a duplicate key at the second key', () => {
    const text = MINIMAL_TEMPLATE.replace('  interval: 1m\n', '  interval: 1m\n  interval: 2m\n');
    expect(problemsOf(text)).toEqual([`t.yaml:9:3: YAML: Map keys must be unique`]);
  });

  it('reports a tab indentation error with its line', () => {
    const text = 'apiVersion: canaryd.dev/v1alpha1\nkind: AnalysisTemplate\nmetadata:\n\tname: x\n';
    expect(problemsOf(text)).toEqual(['t.yaml:4:1: YAML: Tabs are not allowed as indentation']);
  });

  it('treats an unknown tag as a problem rather than ignoring it', () => {
    const text = MINIMAL_TEMPLATE.replace('interval: 1m', 'interval: !dur 1m');
    expect(problemsOf(text)).toEqual([`t.yaml:${positionOf(text, '!dur')}: YAML: Unresolved tag: !dur`]);
  });
});

describe('parseTemplate: shape problems at the node they concern', () => {
  it('an empty document is refused at 1:1', () => {
    expect(problemsOf('')).toEqual([`t.yaml:1:1: expected a mapping, got null`]);
  });

  it('a wrong type points at the value and names the field path', () => {
    const text = MINIMAL_TEMPLATE.replace('- weight: 100', '- weight: full');
    expect(problemsOf(text)).toEqual([`t.yaml:${positionOf(text, 'full')}: spec.steps[1].weight: expected a number, got "full"`]);
  });

  it('a missing key points at the parent mapping', () => {
    const text = MINIMAL_TEMPLATE.replace('  interval: 1m\n', '');
    // The spec mapping starts at its first key, "args".
    expect(problemsOf(text)).toEqual([`t.yaml:${positionOf(text, 'args:')}: spec.interval: required`]);
  });

  it('a missing key inside a flow mapping points at its opening brace', () => {
    const text = MINIMAL_TEMPLATE.replace('    - weight: 50\n', '    - { minDuration: 5m }\n');
    expect(problemsOf(text)).toEqual([`t.yaml:10:7: spec.steps[0].weight: required`]);
  });

  it('an unknown key is an error at the key, never a silent default', () => {
    const text = MINIMAL_TEMPLATE.replace('  interval: 1m\n', '  interval: 1m\n  onTimeot: pause\n');
    expect(problemsOf(text)).toEqual([`t.yaml:9:3: spec.onTimeot: unknown field`]);
  });

  it('an enum value out of range lists the allowed values', () => {
    const text = MINIMAL_TEMPLATE.replace('  interval: 1m\n', '  interval: 1m\n  onError: retry\n');
    expect(problemsOf(text)).toEqual([`t.yaml:9:12: spec.onError: expected abort or pause, got "retry"`]);
  });

  it('wrong apiVersion and kind', () => {
    const text = MINIMAL_TEMPLATE.replace('canaryd.dev/v1alpha1', 'canaryd.dev/v1').replace('kind: AnalysisTemplate', 'kind: Template');
    expect(problemsOf(text)).toEqual([
      `t.yaml:1:13: apiVersion: expected canaryd.dev/v1alpha1, got "canaryd.dev/v1"`,
      `t.yaml:2:7: kind: expected AnalysisTemplate, got "Template"`,
    ]);
  });

  it('metadata.name must be a lowercase name', () => {
    const text = MINIMAL_TEMPLATE.replace('name: minimal', 'name: Minimal_1');
    expect(problemsOf(text)).toEqual([`t.yaml:4:9: metadata.name: must be lowercase letters, digits and - (e.g. http-service)`]);
  });

  it('empty steps and metrics lists are refused', () => {
    const text = MINIMAL_TEMPLATE.replace(/ {2}steps:\n(?: {4}- weight: \d+\n)+/, '  steps: []\n');
    expect(problemsOf(text)).toEqual([`t.yaml:${positionOf(text, '[]')}: spec.steps: must not be empty`]);
  });

  it('a rule `when` of the wrong type, and a list item of the wrong type', () => {
    const scalar = MINIMAL_TEMPLATE.replace('when: errors.change < 10%', 'when: 42');
    expect(problemsOf(scalar)).toEqual([`t.yaml:${positionOf(scalar, '42')}: spec.rules.promote[0].when: expected a string or a list, got 42`]);
    const list = MINIMAL_TEMPLATE.replace('when: errors.change < 10%', 'when: [errors.change < 10%, 7]');
    expect(problemsOf(list)).toEqual([`t.yaml:${positionOf(list, '7]')}: spec.rules.promote[0].when[1]: expected a string, got 7`]);
    const empty = MINIMAL_TEMPLATE.replace('when: errors.change < 10%', 'when: ""');
    expect(problemsOf(empty)).toEqual([`t.yaml:${positionOf(empty, '""')}: spec.rules.promote[0].when: must not be empty`]);
    const emptyList = MINIMAL_TEMPLATE.replace('when: errors.change < 10%', 'when: []');
    expect(problemsOf(emptyList)).toEqual([`t.yaml:${positionOf(emptyList, '[]')}: spec.rules.promote[0].when: must not be empty`]);
    const missing = MINIMAL_TEMPLATE.replace('        when: errors.change < 10%\n', '');
    expect(problemsOf(missing)).toEqual([`t.yaml:${positionOf(missing, 'id: ok')}: spec.rules.promote[0].when: required`]);
  });

  it('an empty query is reported once', () => {
    const text = MINIMAL_TEMPLATE.replace(/query: .*\n/, "query: ''\n");
    expect(problemsOf(text)).toEqual([`t.yaml:${positionOf(text, "''")}: spec.metrics[0].query: must not be empty`]);
  });

  it('consecutiveErrorLimit must be a non-negative integer', () => {
    const text = MINIMAL_TEMPLATE.replace('  interval: 1m\n', '  interval: 1m\n  consecutiveErrorLimit: -1\n');
    expect(problemsOf(text)).toEqual([`t.yaml:9:26: spec.consecutiveErrorLimit: must be at least 0`]);
    const fraction = MINIMAL_TEMPLATE.replace('  interval: 1m\n', '  interval: 1m\n  consecutiveErrorLimit: 1.5\n');
    expect(problemsOf(fraction)).toEqual([`t.yaml:9:26: spec.consecutiveErrorLimit: expected an integer, got 1.5`]);
  });

  it('an arg default must be a string or a number; arg names are identifiers', () => {
    const text = MINIMAL_TEMPLATE.replace('    - name: service\n', '    - name: service\n    - name: zone-id\n      default: [a]\n');
    expect(problemsOf(text)).toEqual([
      `t.yaml:8:13: spec.args[1].name: must be a name like service or max_rps ([A-Za-z_][A-Za-z0-9_]*)`,
      `t.yaml:9:16: spec.args[1].default: expected a string or a number, got a list`,
    ]);
  });

  it('reports every problem at once, in file order', () => {
    const text = MINIMAL_TEMPLATE.replace('name: minimal', 'name: Bad')
      .replace('interval: 1m', 'interval: soon')
      .replace('- weight: 100', '- weight: x')
      .replace('when: errors.change < 10%', 'when: errors.chnge < 10%');
    expect(problemsOf(text)).toEqual([
      `t.yaml:4:9: metadata.name: must be lowercase letters, digits and - (e.g. http-service)`,
      `t.yaml:8:13: spec.interval: invalid duration "soon": expected e.g. 30s, 5m, 1h30m`,
      `t.yaml:11:15: spec.steps[1].weight: expected a number, got "x"`,
      `t.yaml:18:15: spec.rules.promote[0].when: unknown stat "chnge" of metric "errors" (stats: baseline, canary, delta, change, ratio, missing, error)`,
    ]);
  });
});

describe('parseTemplate: hostile YAML', () => {
  it('refuses an alias bomb instead of expanding it', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let level = 1; level < 8; level += 1) {
      const previous = String.fromCharCode(96 + level);
      const name = String.fromCharCode(97 + level);
      lines.push(`${name}: &${name} [${Array(10).fill(`*${previous}`).join(', ')}]`);
    }
    const result = parseTemplate(`${lines.join('\n')}\n`, 'bomb.yaml');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]?.message).toMatch(/^YAML: .*alias/i);
  });
});
