// The rules of one tick: abort ▸ hold ▸ promote, in written order within a group; the first rule
// whose conditions are all true fires.

import { describeCondition } from './conditions/describe.js';
import { evaluateCondition, kleeneAnd, type StatLookup } from './conditions/evaluate.js';
import type { CompiledRule, ConditionRecord, RuleGroup, RuleRef, Truth, VerdictAction } from './types.js';

export interface RuleOutcome {
  action: VerdictAction;
  rule: RuleRef | null;
  reason: string;
  conditions: ConditionRecord[];
}

const GROUP_ORDER: readonly RuleGroup[] = ['abort', 'hold', 'promote'];

interface RuleEvaluation {
  rule: CompiledRule;
  truth: Truth;
  records: ConditionRecord[];
  descriptions: string[];
}

function evaluateRule(rule: CompiledRule, lookup: StatLookup): RuleEvaluation {
  // A rule without conditions never fires: only evidence may promote or abort.
  let truth: Truth = rule.conditions.length === 0 ? 'unknown' : 'true';
  const records: ConditionRecord[] = [];
  const descriptions: string[] = [];
  for (const condition of rule.conditions) {
    const evaluation = evaluateCondition(condition.ast, lookup);
    truth = kleeneAnd(truth, evaluation.truth);
    records.push({
      rule: rule.id,
      group: rule.group,
      text: condition.text,
      truth: evaluation.truth,
      observed: evaluation.observed,
    });
    descriptions.push(describeCondition(condition.ast, evaluation.observed));
  }
  return { rule, truth, records, descriptions };
}

function whyUnknown(evaluation: RuleEvaluation): string {
  const missing = new Set<string>();
  for (const record of evaluation.records) {
    if (record.truth !== 'unknown') continue;
    for (const observed of record.observed) if (observed.value === null) missing.add(observed.ref);
  }
  const detail = missing.size === 0 ? '' : `: ${[...missing].join(', ')} ${missing.size === 1 ? 'has' : 'have'} no value`;
  return `promote rule ${evaluation.rule.id} is unknown${detail}`;
}

export function evaluateRules(rules: CompiledRule[], lookup: StatLookup): RuleOutcome {
  const conditions: ConditionRecord[] = [];
  const unknownPromotes: RuleEvaluation[] = [];
  for (const group of GROUP_ORDER) {
    for (const rule of rules) {
      if (rule.group !== group) continue;
      const evaluation = evaluateRule(rule, lookup);
      conditions.push(...evaluation.records);
      if (evaluation.truth === 'true') {
        return {
          action: group,
          rule: { id: rule.id, group },
          reason: `${group} rule ${rule.id} fired: ${evaluation.descriptions.join('; ')}`,
          conditions,
        };
      }
      if (group === 'promote' && evaluation.truth === 'unknown') unknownPromotes.push(evaluation);
    }
  }
  const reason = ['no rule fired', ...unknownPromotes.map(whyUnknown)].join('; ');
  return { action: 'continue', rule: null, reason, conditions };
}
