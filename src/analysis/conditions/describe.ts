// A condition written out with the values it read, for verdict reasons:
// "error_rate.change = 0.62 > 50%".

import { formatNumber } from '../format-number.js';
import type { ConditionNode, ObservedValue } from '../types.js';

function formatValue(value: number | boolean | null | undefined): string {
  if (value === null || value === undefined) return 'no value';
  return typeof value === 'number' ? formatNumber(value) : String(value);
}

const UNIT_SCALE: Array<[suffix: string, scale: number]> = [
  ['%', 100],
  ['ms', 1000],
];

/** The observed value in the unit the threshold was written in, so "1.125 > 50%" reads "112.5% > 50%". */
function formatInUnitOf(value: number | boolean | null | undefined, literal: string): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return formatValue(value);
  const unit = UNIT_SCALE.find(([suffix]) => literal.endsWith(suffix));
  return unit ? `${formatNumber(value * unit[1])}${unit[0]}` : formatValue(value);
}

export function describeCondition(ast: ConditionNode, observed: ObservedValue[]): string {
  const values = new Map(observed.map((one) => [one.ref, one.value]));
  const visit = (node: ConditionNode, parentType: ConditionNode['type'] | null): string => {
    switch (node.type) {
      case 'ref': {
        const ref = `${node.metric}.${node.stat}`;
        return `${ref} = ${formatValue(values.get(ref))}`;
      }
      case 'compare': {
        const ref = `${node.metric}.${node.stat}`;
        return `${ref} = ${formatInUnitOf(values.get(ref), node.literal)} ${node.op} ${node.literal}`;
      }
      case 'not':
        return `not (${visit(node.operand, 'not')})`;
      case 'and':
      case 'or': {
        const text = `${visit(node.left, node.type)} ${node.type} ${visit(node.right, node.type)}`;
        return parentType === null || parentType === node.type ? text : `(${text})`;
      }
    }
  };
  return visit(ast, null);
}
