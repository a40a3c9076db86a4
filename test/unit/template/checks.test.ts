// spec.checks and metadata.owners (issue 9): compiled into the template, and conditions over
// checks.NAME.FIELD checked at load like metric refs, each problem at its file:line:col.

import { describe, expect, it } from 'vitest';
import { parseTemplate } from '../../../src/template/load.js';
import { formatProblem } from '../../../src/template/problems.js';
import { MINIMAL_TEMPLATE, positionOf } from './template-text.js';

const CHECKS = `  checks:
    - name: eval
      fields: { task_success: number, pii_leakage: number, suite: string, passed: boolean }
      maxAge: 24h
    - name: agbom
      fields: [high_risk]
`;

function withChecks(when: string, checks = CHECKS): string {
  return MINIMAL_TEMPLATE.replace('  rules:\n', `${checks}  rules:\n`)
    .replace('when: errors.change < 10%', when)
    .replace('  name: minimal\n', '  name: minimal\n  owners: { release: team-checkout, eval: ml-evals }\n');
}

function problemsOf(text: string): string[] {
  const result = parseTemplate(text, 't.yaml');
  if (result.ok) throw new Error('expected problems, the template was accepted');
  return result.problems.map(formatProblem);
}

describe('spec.checks', () => {
  it('compiles checks (a field map or a list of number fields, maxAge in ms) and owners', () => {
    const result = parseTemplate(
      withChecks('when: [errors.change < 10%, checks.eval.task_success >= 0.85, checks.agbom.high_risk == 0, checks.eval.passed]'),
      't.yaml',
    );
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
    expect(result.template.checks).toEqual([
      { name: 'eval', fields: { task_success: 'number', pii_leakage: 'number', suite: 'string', passed: 'boolean' }, maxAgeMs: 86_400_000 },
      { name: 'agbom', fields: { high_risk: 'number' }, maxAgeMs: null },
    ]);
    expect(result.template.owners).toEqual({ release: 'team-checkout', eval: 'ml-evals' });
    const healthy = result.template.rules.find((rule) => rule.id === 'ok');
    expect(healthy?.conditions[1]?.ast).toEqual({
      type: 'compare',
      metric: 'checks.eval',
      stat: 'task_success',
      column: 1,
      op: '>=',
      value: 0.85,
      literal: '0.85',
    });
  });

  it('a template without checks compiles without the keys (its template hash is unchanged)', () => {
    const result = parseTemplate(MINIMAL_TEMPLATE, 't.yaml');
    expect(result.ok && 'checks' in result.template).toBe(false);
    expect(result.ok && 'owners' in result.template).toBe(false);
  });

  it('reports an unknown check, an unknown field, a string field and a wrongly used boolean at their columns', () => {
    const text = withChecks('when: [checks.sbom.high_risk == 0, checks.eval.task_sucess > 1, checks.eval.suite == 1, checks.eval.passed == 1]');
    expect(problemsOf(text)).toEqual([
      `t.yaml:${positionOf(text, 'checks.sbom')}: spec.rules.promote[0].when[0]: unknown check "sbom" (checks: eval, agbom)`,
      `t.yaml:${positionOf(text, 'checks.eval.task_sucess')}: spec.rules.promote[0].when[1]: unknown field "task_sucess" of check "eval" (fields: task_success, pii_leakage, suite, passed)`,
      `t.yaml:${positionOf(text, 'checks.eval.suite')}: spec.rules.promote[0].when[2]: "checks.eval.suite" is a string: rules can read only number and boolean fields`,
      `t.yaml:${positionOf(text, 'checks.eval.passed')}: spec.rules.promote[0].when[3]: "checks.eval.passed" is true or false: use it without a comparison`,
    ]);
  });

  it('a checks ref without spec.checks says none is declared', () => {
    const text = MINIMAL_TEMPLATE.replace('when: errors.change < 10%', 'when: checks.eval.task_success > 0.85');
    expect(problemsOf(text)).toEqual([
      `t.yaml:${positionOf(text, 'checks.eval')}: spec.rules.promote[0].when: unknown check "eval" (spec.checks declares none)`,
    ]);
  });

  it('reports duplicate names, unknown field types, empty fields and a bad maxAge', () => {
    const checks = `  checks:
    - name: eval
      fields: { score: float }
    - name: eval
      fields: {}
      maxAge: soon
`;
    const text = withChecks('when: errors.change < 10%', checks);
    expect(problemsOf(text)).toEqual([
      `t.yaml:${positionOf(text, 'float')}: spec.checks[0].fields.score: expected number, boolean or string, got "float"`,
      `t.yaml:${positionOf(text, '- name: eval', 2, 8)}: spec.checks[1].name: duplicate check name "eval"`,
      `t.yaml:${positionOf(text, '{}')}: spec.checks[1].fields: must name at least one field`,
      `t.yaml:${positionOf(text, 'soon')}: spec.checks[1].maxAge: invalid duration "soon": expected e.g. 30s, 5m, 1h30m`,
    ]);
  });

  it('a condition with checks.NAME. and no field is a syntax error at its column', () => {
    const text = withChecks('when: checks.eval. > 1');
    expect(problemsOf(text)).toEqual([`t.yaml:${positionOf(text, ' > 1')}: spec.rules.promote[0].when: expected a field name after 'checks.eval.'`]);
  });
});
