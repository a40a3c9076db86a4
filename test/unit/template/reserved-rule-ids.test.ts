import { describe, expect, it } from 'vitest';
import { CONTROL_RULE_IDS } from '../../../src/analysis/types.js';
import { parseTemplate } from '../../../src/template/load.js';
import { formatProblem } from '../../../src/template/problems.js';
import { MINIMAL_TEMPLATE, positionOf } from './template-text.js';

// A verdict whose rule is freeze, policy-denied, approval-expired or approval-rejected must be
// canaryd's own (issue 8): no template rule may take those ids.
describe('rule ids of the control boundary are reserved', () => {
  it.each(CONTROL_RULE_IDS.map((id) => [id]))('a template rule named %s is refused at its id', (id) => {
    const text = MINIMAL_TEMPLATE.replace('- id: ok', `- id: ${id}`);
    const result = parseTemplate(text, 't.yaml');
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems.map(formatProblem);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(
      `t.yaml:${positionOf(text, id, text.split(id).length - 1)}: spec.rules.promote[0].id: "${id}" is reserved for a built-in rule`,
    );
  });
});
