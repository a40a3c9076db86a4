// Canonical text of a parsed condition, and the refs it reads.

import type { ConditionNode } from '../types.js';

const PRECEDENCE: Record<ConditionNode['type'], number> = { or: 1, and: 2, not: 3, ref: 4, compare: 4 };

function wrapped(node: ConditionNode, needsParens: boolean): string {
  const text = formatCondition(node);
  return needsParens ? `(${text})` : text;
}

/**
 * Canonical text: single spaces, thresholds as written, parentheses only where the tree needs them
 * (a right operand of the same operator keeps its parentheses, so parsing the text gives the same tree).
 */
export function formatCondition(ast: ConditionNode): string {
  switch (ast.type) {
    case 'ref':
      return `${ast.metric}.${ast.stat}`;
    case 'compare':
      return `${ast.metric}.${ast.stat} ${ast.op} ${ast.literal}`;
    case 'not':
      return `not ${wrapped(ast.operand, PRECEDENCE[ast.operand.type] < PRECEDENCE.not)}`;
    case 'and':
    case 'or': {
      const own = PRECEDENCE[ast.type];
      const left = wrapped(ast.left, PRECEDENCE[ast.left.type] < own);
      const right = wrapped(ast.right, PRECEDENCE[ast.right.type] <= own);
      return `${left} ${ast.type} ${right}`;
    }
  }
}

/** Every METRIC.STAT the condition reads, in written order (repeats included), for validation. */
export function conditionRefs(ast: ConditionNode): Array<{ metric: string; stat: string; column: number }> {
  switch (ast.type) {
    case 'ref':
    case 'compare':
      return [{ metric: ast.metric, stat: ast.stat, column: ast.column }];
    case 'not':
      return conditionRefs(ast.operand);
    case 'and':
    case 'or':
      return [...conditionRefs(ast.left), ...conditionRefs(ast.right)];
  }
}
