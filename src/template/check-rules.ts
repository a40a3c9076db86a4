// Semantic checks of spec.rules: condition syntax, refs to known metrics and stats, stat types,
// rule ids (reserved, duplicated).

import { conditionRefs, parseCondition } from '../analysis/conditions/parser.js';
import { BOOLEAN_STATS, CONTROL_RULE_IDS, JUDGE_STATS, RESERVED_RULE_IDS, type ConditionNode, type RuleGroup } from '../analysis/types.js';

/** Ids no template rule may take: the built-in rules and those of the control boundary (a verdict naming them must be canaryd's). */
const BUILT_IN_RULE_IDS: readonly string[] = [...RESERVED_RULE_IDS, ...CONTROL_RULE_IDS];
import { checkNameOf, isCheckRef } from '../analysis/checks.js';
import type { CheckFields } from './check-checks.js';
import { isRecord, listOf, recordAt } from './raw-data.js';
import { formatPath, type Path, type PathIssue } from './yaml-source.js';

export const RULE_GROUPS: readonly RuleGroup[] = ['abort', 'hold', 'promote'];
export const BASE_STATS = ['baseline', 'canary', 'delta', 'change', 'ratio', 'missing', 'error'] as const;
/** Pseudo-metric of scored analyses (spec.scoring): its stats and whether each is a boolean. */
export const SCORE_METRIC = 'score';
const SCORE_STATS: Record<string, boolean> = { value: false, critical: true };

export interface MetricInfo {
  hasJudge: boolean;
}

export interface RuleCheckContext {
  /** null when spec.metrics is unusable (zod reports that); refs are then not checked. */
  metrics: Map<string, MetricInfo> | null;
  scoring: boolean;
  /** Declared spec.checks by name (field → type); null when unusable; absent: none. */
  checks?: Map<string, CheckFields> | null;
}

interface Leaf {
  metric: string;
  stat: string;
  column: number;
  compared: boolean;
}

function leaves(ast: ConditionNode): Leaf[] {
  switch (ast.type) {
    case 'ref':
      return [{ metric: ast.metric, stat: ast.stat, column: ast.column, compared: false }];
    case 'compare':
      return [{ metric: ast.metric, stat: ast.stat, column: ast.column, compared: true }];
    case 'not':
      return leaves(ast.operand);
    case 'and':
    case 'or':
      return [...leaves(ast.left), ...leaves(ast.right)];
  }
}

/** The texts of a rule's `when` (a string or a list of strings) with their paths. */
export function conditionTexts(when: unknown, path: Path): Array<{ text: string; path: Path }> {
  if (typeof when === 'string') return [{ text: when, path }];
  return listOf(when).flatMap((item, index) => (typeof item === 'string' ? [{ text: item, path: [...path, index] }] : []));
}

/** Whether `stat` of `metric` is a boolean, or an error message when the ref is unknown. */
function statKind(metric: string, stat: string, context: RuleCheckContext): { boolean: boolean } | { error: string } {
  const metrics = context.metrics as Map<string, MetricInfo>;
  if (isCheckRef(metric)) return checkFieldKind(checkNameOf(metric), stat, context.checks);
  if (context.scoring && metric === SCORE_METRIC) {
    const isBoolean = SCORE_STATS[stat];
    if (isBoolean === undefined) return { error: `unknown stat "${stat}" of the score (stats: ${Object.keys(SCORE_STATS).join(', ')})` };
    return { boolean: isBoolean };
  }
  const info = metrics.get(metric);
  if (info === undefined) {
    const known = [...metrics.keys()].join(', ');
    const scoreHint = metric === SCORE_METRIC ? '; score stats need spec.scoring' : '';
    return { error: `unknown metric "${metric}" (metrics: ${known}${scoreHint})` };
  }
  const judgeStat = (JUDGE_STATS as readonly string[]).includes(stat);
  if (judgeStat && !info.hasJudge) return { error: `"${metric}.${stat}" needs a judge on metric "${metric}"` };
  if (!judgeStat && !(BASE_STATS as readonly string[]).includes(stat)) {
    const stats = [...BASE_STATS, ...(info.hasJudge ? JUDGE_STATS : [])].join(', ');
    return { error: `unknown stat "${stat}" of metric "${metric}" (stats: ${stats})` };
  }
  return { boolean: (BOOLEAN_STATS as readonly string[]).includes(stat) };
}

function checkFieldKind(name: string, field: string, checks: Map<string, CheckFields> | null | undefined): { boolean: boolean } | { error: string } {
  // Unusable spec.checks: zod reports it; the ref is not judged.
  if (checks === null) return { boolean: false };
  const fields = checks?.get(name);
  if (fields === undefined) {
    const known = [...(checks?.keys() ?? [])];
    return { error: `unknown check "${name}" (${known.length === 0 ? 'spec.checks declares none' : `checks: ${known.join(', ')}`})` };
  }
  const type = Object.hasOwn(fields, field) ? fields[field] : undefined;
  if (type === undefined) return { error: `unknown field "${field}" of check "${name}" (fields: ${Object.keys(fields).join(', ')})` };
  if (type === 'string') return { error: `"checks.${name}.${field}" is a string: rules can read only number and boolean fields` };
  return { boolean: type === 'boolean' };
}

function checkCondition(text: string, path: Path, context: RuleCheckContext): PathIssue[] {
  const where = formatPath(path);
  const parsed = parseCondition(text);
  if (!parsed.ok) {
    const message = parsed.error.message.replace(/ at column \d+/, '');
    return [{ path, valueIndex: parsed.error.column - 1, message: `${where}: ${message}` }];
  }
  if (context.metrics === null) return [];
  const issues: PathIssue[] = [];
  const compared = new Map(leaves(parsed.ast).map((leaf) => [leaf.column, leaf.compared]));
  for (const ref of conditionRefs(parsed.ast)) {
    const kind = statKind(ref.metric, ref.stat, context);
    const name = `${ref.metric}.${ref.stat}`;
    let message: string | null = null;
    if ('error' in kind) message = kind.error;
    else if (kind.boolean && compared.get(ref.column) === true) message = `"${name}" is true or false: use it without a comparison`;
    else if (!kind.boolean && compared.get(ref.column) === false) message = `"${name}" is a number: compare it, e.g. "${name} > 10%"`;
    if (message !== null) issues.push({ path, valueIndex: ref.column - 1, message: `${where}: ${message}` });
  }
  return issues;
}

export function checkRules(spec: Record<string, unknown>, context: RuleCheckContext): PathIssue[] {
  const issues: PathIssue[] = [];
  const rules = recordAt(spec, 'rules');
  const firstSeen = new Map<string, Path>();
  for (const group of RULE_GROUPS) {
    listOf(rules[group]).forEach((rule, index) => {
      if (!isRecord(rule)) return;
      const rulePath: Path = ['spec', 'rules', group, index];
      const id = rule.id;
      if (typeof id === 'string') {
        const idPath = [...rulePath, 'id'];
        if ((BUILT_IN_RULE_IDS as readonly string[]).includes(id)) {
          issues.push({ path: idPath, message: `${formatPath(idPath)}: "${id}" is reserved for a built-in rule (${BUILT_IN_RULE_IDS.join(', ')})` });
        }
        const earlier = firstSeen.get(id);
        if (earlier !== undefined) {
          issues.push({ path: idPath, message: `${formatPath(idPath)}: duplicate rule id "${id}" (first at ${formatPath(earlier)})` });
        } else {
          firstSeen.set(id, idPath);
        }
      }
      for (const condition of conditionTexts(rule.when, [...rulePath, 'when'])) {
        if (condition.text === '') continue; // the schema reports it
        issues.push(...checkCondition(condition.text, condition.path, context));
      }
    });
  }
  return issues;
}
