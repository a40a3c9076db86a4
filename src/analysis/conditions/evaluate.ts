// Three-valued (Kleene) evaluation of a parsed condition against the stats of one tick.

import type { ComparisonOp, ConditionNode, ObservedValue, Truth } from '../types.js';

export type StatLookup = (metric: string, stat: string) => number | boolean | null | undefined;

export interface ConditionEvaluation {
  truth: Truth;
  /** Each ref the condition reads, once, in written order; null when it has no usable value. */
  observed: ObservedValue[];
}

function compare(value: number, op: ComparisonOp, threshold: number): boolean {
  switch (op) {
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '==':
      return value === threshold;
    case '!=':
      return value !== threshold;
  }
}

function toTruth(value: boolean): Truth {
  return value ? 'true' : 'false';
}

export function kleeneAnd(left: Truth, right: Truth): Truth {
  if (left === 'false' || right === 'false') return 'false';
  if (left === 'unknown' || right === 'unknown') return 'unknown';
  return 'true';
}

export function kleeneOr(left: Truth, right: Truth): Truth {
  if (left === 'true' || right === 'true') return 'true';
  if (left === 'unknown' || right === 'unknown') return 'unknown';
  return 'false';
}

export function kleeneNot(operand: Truth): Truth {
  if (operand === 'unknown') return 'unknown';
  return operand === 'true' ? 'false' : 'true';
}

function usable(value: number | boolean | null | undefined): number | boolean | null {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  return null;
}

/** Evaluates every operand (no short-circuit) so the evidence lists every value the condition reads. */
export function evaluateCondition(ast: ConditionNode, lookup: StatLookup): ConditionEvaluation {
  const observed = new Map<string, number | boolean | null>();

  const read = (metric: string, stat: string): number | boolean | null => {
    const ref = `${metric}.${stat}`;
    const known = observed.get(ref);
    if (known !== undefined) return known;
    const value = usable(lookup(metric, stat));
    observed.set(ref, value);
    return value;
  };

  const visit = (node: ConditionNode): Truth => {
    switch (node.type) {
      case 'ref': {
        const value = read(node.metric, node.stat);
        return typeof value === 'boolean' ? toTruth(value) : 'unknown';
      }
      case 'compare': {
        const value = read(node.metric, node.stat);
        return typeof value === 'number' ? toTruth(compare(value, node.op, node.value)) : 'unknown';
      }
      case 'not':
        return kleeneNot(visit(node.operand));
      case 'and': {
        const left = visit(node.left);
        return kleeneAnd(left, visit(node.right));
      }
      case 'or': {
        const left = visit(node.left);
        return kleeneOr(left, visit(node.right));
      }
    }
  };

  const truth = visit(ast);
  return { truth, observed: [...observed].map(([ref, value]) => ({ ref, value })) };
}
