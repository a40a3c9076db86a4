// Tokens of the condition language (architecture.md §3 "Conditions"). Columns are 1-based.

import type { ComparisonOp } from '../types.js';

export type Token =
  | { kind: 'ref'; metric: string; stat: string; column: number }
  /** A bare identifier: the keywords and / or / not, or a metric written without its stat. */
  | { kind: 'word'; text: string; column: number }
  /** `value` is the number after its unit; `literal` the text as written. */
  | { kind: 'number'; value: number; literal: string; column: number }
  | { kind: 'op'; op: ComparisonOp; column: number }
  | { kind: 'lparen'; column: number }
  | { kind: 'rparen'; column: number }
  | { kind: 'end'; column: number };

/** A syntax error at a 1-based column; parseCondition turns it into its result. */
export class ConditionSyntaxError extends Error {
  constructor(
    message: string,
    readonly column: number,
  ) {
    super(message);
    this.name = 'ConditionSyntaxError';
  }
}

const UNIT_SCALES: Record<string, (amount: number) => number> = {
  '%': (amount) => amount / 100,
  ms: (amount) => amount / 1000,
  s: (amount) => amount,
  m: (amount) => amount * 60,
};

const TWO_CHAR_OPS: Record<string, ComparisonOp> = { '<=': '<=', '>=': '>=', '==': '==', '!=': '!=' };
const ONE_CHAR_OPS: Record<string, ComparisonOp> = { '<': '<', '>': '>' };

const HINTS: Record<string, string> = {
  '=': 'use == to compare',
  '!': "use != to compare or 'not' to negate",
  '&': "use 'and'",
  '|': "use 'or'",
  '%': 'a unit must follow its number directly, e.g. 10%',
};

function isIdentStart(char: string | undefined): boolean {
  return char !== undefined && /^[A-Za-z_]$/.test(char);
}

function isIdentPart(char: string | undefined): boolean {
  return char !== undefined && /^[A-Za-z0-9_-]$/.test(char);
}

function isDigit(char: string | undefined): boolean {
  return char !== undefined && char >= '0' && char <= '9';
}

function isSpace(char: string | undefined): boolean {
  return char === ' ' || char === '\t' || char === '\n' || char === '\r';
}

/** 5, .5, -5, -.5 */
function startsNumber(text: string, index: number): boolean {
  const unsigned = text[index] === '-' ? index + 1 : index;
  if (isDigit(text[unsigned])) return true;
  return text[unsigned] === '.' && isDigit(text[unsigned + 1]);
}

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;

  const readWhile = (predicate: (char: string | undefined) => boolean): string => {
    const start = index;
    while (index < text.length && predicate(text[index])) index += 1;
    return text.slice(start, index);
  };

  const readNumber = (): Token => {
    const start = index;
    if (text[index] === '-') index += 1;
    readWhile(isDigit);
    if (text[index] === '.') {
      index += 1;
      if (readWhile(isDigit) === '') {
        throw new ConditionSyntaxError(`incomplete number '${text.slice(start, index)}' at column ${start + 1}: expected a digit after '.'`, start + 1);
      }
    }
    const exponentSign = text[index + 1] === '+' || text[index + 1] === '-' ? 1 : 0;
    if ((text[index] === 'e' || text[index] === 'E') && isDigit(text[index + 1 + exponentSign])) {
      index += 1 + exponentSign;
      readWhile(isDigit);
    }
    const numberText = text.slice(start, index);
    const amount = Number(numberText);
    if (!Number.isFinite(amount)) {
      throw new ConditionSyntaxError(`number '${numberText}' at column ${start + 1} is too large`, start + 1);
    }
    const unitColumn = index + 1;
    let unit = '';
    if (text[index] === '%') {
      unit = '%';
      index += 1;
    } else if (isIdentStart(text[index])) {
      unit = readWhile((char) => isIdentStart(char) || isDigit(char));
    }
    const scale = unit === '' ? (value: number) => value : UNIT_SCALES[unit];
    if (scale === undefined) {
      throw new ConditionSyntaxError(`unknown unit '${unit}' at column ${unitColumn} (use %, ms, s or m)`, unitColumn);
    }
    return { kind: 'number', value: scale(amount), literal: text.slice(start, index), column: start + 1 };
  };

  const readWordOrRef = (): Token => {
    const column = index + 1;
    const word = readWhile(isIdentPart);
    if (text[index] !== '.') return { kind: 'word', text: word, column };
    index += 1;
    if (!isIdentStart(text[index])) {
      throw new ConditionSyntaxError(`expected a stat name after '${word}.' at column ${index + 1}`, index + 1);
    }
    const stat = readWhile(isIdentPart);
    // checks.NAME.FIELD (spec.checks): the check is the "metric", its field the "stat".
    if (word === 'checks' && text[index] === '.') {
      index += 1;
      if (!isIdentStart(text[index])) {
        throw new ConditionSyntaxError(`expected a field name after 'checks.${stat}.' at column ${index + 1}`, index + 1);
      }
      const field = readWhile(isIdentPart);
      return { kind: 'ref', metric: `checks.${stat}`, stat: field, column };
    }
    return { kind: 'ref', metric: word, stat, column };
  };

  while (index < text.length) {
    const char = text[index] as string;
    const column = index + 1;
    if (isSpace(char)) {
      index += 1;
    } else if (char === '(' || char === ')') {
      tokens.push({ kind: char === '(' ? 'lparen' : 'rparen', column });
      index += 1;
    } else if (startsNumber(text, index)) {
      tokens.push(readNumber());
    } else if (isIdentStart(char)) {
      tokens.push(readWordOrRef());
    } else {
      const pair = text.slice(index, index + 2);
      const op = TWO_CHAR_OPS[pair] ?? ONE_CHAR_OPS[char];
      if (op === undefined) {
        const hint = HINTS[char];
        throw new ConditionSyntaxError(`unexpected character '${char}' at column ${column}${hint === undefined ? '' : ` (${hint})`}`, column);
      }
      tokens.push({ kind: 'op', op, column });
      index += op.length;
    }
  }
  tokens.push({ kind: 'end', column: text.length + 1 });
  return tokens;
}
