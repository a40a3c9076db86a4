// Recursive-descent parser of the condition language (architecture.md §3 "Conditions"):
//   expr := term { ("and" | "or") term }   ("and" binds tighter than "or")
//   term := "not" term | "(" expr ")" | ref [op number[unit]]

import type { ConditionNode } from '../types.js';
import { formatCondition } from './format.js';
import { ConditionSyntaxError, tokenize, type Token } from './tokenizer.js';

export { conditionRefs, formatCondition } from './format.js';

export type ParseResult = { ok: true; ast: ConditionNode } | { ok: false; error: { message: string; column: number } };

const MAX_NESTING = 64;

function describe(token: Token): string {
  switch (token.kind) {
    case 'ref':
      return `'${token.metric}.${token.stat}'`;
    case 'word':
      return `'${token.text}'`;
    case 'number':
      return `'${token.literal}'`;
    case 'op':
      return `'${token.op}'`;
    case 'lparen':
      return "'('";
    case 'rparen':
      return "')'";
    case 'end':
      return 'end of condition';
  }
}

function isKeyword(token: Token, keyword: 'and' | 'or' | 'not'): boolean {
  return token.kind === 'word' && token.text === keyword;
}

class Parser {
  private position = 0;
  private depth = 0;

  constructor(private readonly tokens: Token[]) {}

  parse(): ConditionNode {
    const ast = this.parseOr();
    const rest = this.peek();
    if (rest.kind === 'rparen') throw new ConditionSyntaxError(`unbalanced ')' at column ${rest.column}`, rest.column);
    if (rest.kind !== 'end') {
      // parseTerm checks what follows each term, so only a stray token after a closing group lands here.
      throw new ConditionSyntaxError(`expected 'and'/'or' at column ${rest.column}, found ${describe(rest)}`, rest.column);
    }
    return ast;
  }

  private peek(): Token {
    return this.tokens[this.position] as Token;
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.position += 1;
    return token;
  }

  private parseOr(after?: Token): ConditionNode {
    let left = this.parseAnd(after);
    while (isKeyword(this.peek(), 'or')) {
      const keyword = this.next();
      left = { type: 'or', left, right: this.parseAnd(keyword) };
    }
    return left;
  }

  private parseAnd(after?: Token): ConditionNode {
    let left = this.parseTerm(after);
    while (isKeyword(this.peek(), 'and')) {
      const keyword = this.next();
      left = { type: 'and', left, right: this.parseTerm(keyword) };
    }
    return left;
  }

  /** `after` is the token that introduced this term, for clearer messages. */
  private parseTerm(after?: Token): ConditionNode {
    const token = this.next();
    if (isKeyword(token, 'not')) {
      return { type: 'not', operand: this.nested(token, () => this.parseTerm(token)) };
    }
    if (token.kind === 'lparen') {
      const inner = this.nested(token, () => this.parseOr(token));
      // Every term checks what follows it, so here only ')' or the end of the text can come.
      if (this.peek().kind !== 'rparen') {
        throw new ConditionSyntaxError(`unbalanced '(' at column ${token.column}: no matching ')'`, token.column);
      }
      this.next();
      this.checkFollower("')'", this.peek());
      return inner;
    }
    if (token.kind !== 'ref') this.failExpectedRef(token, after);

    const ref = token as Extract<Token, { kind: 'ref' }>;
    const opToken = this.peek();
    if (opToken.kind !== 'op') {
      const node: ConditionNode = { type: 'ref', metric: ref.metric, stat: ref.stat, column: ref.column };
      this.failAfter(node, opToken);
      return node;
    }
    this.next();
    const number = this.next();
    if (number.kind !== 'number') {
      throw new ConditionSyntaxError(`expected a number after '${opToken.op}' at column ${number.column}, found ${describe(number)}`, number.column);
    }
    const node: ConditionNode = {
      type: 'compare',
      metric: ref.metric,
      stat: ref.stat,
      column: ref.column,
      op: opToken.op,
      value: number.value,
      literal: number.literal,
    };
    this.failAfter(node, this.peek());
    return node;
  }

  private nested(opener: Token, parse: () => ConditionNode): ConditionNode {
    this.depth += 1;
    if (this.depth > MAX_NESTING) {
      throw new ConditionSyntaxError(`condition nested too deeply at column ${opener.column} (more than ${MAX_NESTING} levels)`, opener.column);
    }
    const node = parse();
    this.depth -= 1;
    return node;
  }

  private canFollowTerm(token: Token): boolean {
    return token.kind === 'end' || token.kind === 'rparen' || isKeyword(token, 'and') || isKeyword(token, 'or');
  }

  /** Throws unless `follower` may come after the ref or comparison `node`. */
  private failAfter(node: ConditionNode, follower: Token): void {
    if (this.canFollowTerm(follower)) return;
    const expected = node.type === 'ref' ? "an operator or 'and'/'or'" : "'and'/'or'";
    throw new ConditionSyntaxError(
      `expected ${expected} after '${formatCondition(node)}' at column ${follower.column}, found ${describe(follower)}`,
      follower.column,
    );
  }

  private checkFollower(text: string, follower: Token): void {
    if (this.canFollowTerm(follower)) return;
    throw new ConditionSyntaxError(`expected 'and'/'or' after ${text} at column ${follower.column}, found ${describe(follower)}`, follower.column);
  }

  private failExpectedRef(token: Token, after: Token | undefined): never {
    const context = after === undefined ? '' : ` after ${describe(after)}`;
    let hint = '';
    if (token.kind === 'word' && !['and', 'or', 'not'].includes(token.text)) {
      hint = ` (a stat is missing, e.g. '${token.text}.change')`;
    }
    if (token.kind === 'rparen' && after === undefined && this.depth === 0) {
      throw new ConditionSyntaxError(`unbalanced ')' at column ${token.column}`, token.column);
    }
    throw new ConditionSyntaxError(`expected METRIC.STAT${context} at column ${token.column}, found ${describe(token)}${hint}`, token.column);
  }
}

/** Parses one condition expression; never throws. */
export function parseCondition(text: string): ParseResult {
  if (text.trim() === '') return { ok: false, error: { message: 'empty condition', column: 1 } };
  try {
    return { ok: true, ast: new Parser(tokenize(text)).parse() };
  } catch (error) {
    if (error instanceof ConditionSyntaxError) {
      return { ok: false, error: { message: error.message, column: error.column } };
    }
    throw error;
  }
}
