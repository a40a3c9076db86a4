// PromQL as a QueryDialect: the syntax check (src/sources/prometheus/promql-check.ts) and escaping
// of values for the PromQL context their placeholder sits in.
//
// SECURITY: argument and variant values come from API callers. Each value is escaped for the PromQL
// context its placeholder sits in, so it can never end its string or add matchers or operators:
//   "..." and '...'  backslash, the quote, and control characters are escaped;
//   `...`            (raw string, no escapes exist) a value containing a backtick is refused;
//   bare / comment   only numbers, durations and name-like tokens [A-Za-z0-9_:.]+ are accepted.
// Regex matchers (=~ "...", !~ "...") are strings too, so escaping the string is enough to stay
// inside it; regex metacharacters in a value are NOT escaped: `.*` in an argument matches anything.
// A template that wants a literal match must use = rather than =~.

import { parseDuration } from '../../analysis/duration.js';
import { DomainError } from '../../analysis/errors.js';
import type { QueryDialect } from '../../template/dialect.js';
import type { Placeholder } from '../../template/placeholders.js';
import { checkPromqlSyntax } from './promql-check.js';

const BARE_TOKEN = /^[A-Za-z0-9_:.]+$/;
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

function escapeControl(char: string): string {
  switch (char) {
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    default:
      return `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`;
  }
}

function escapeQuoted(value: string, quote: '"' | "'"): string {
  let escaped = '';
  for (const char of value) {
    if (char === '\\' || char === quote) escaped += `\\${char}`;
    else if (char < ' ' || char === '\x7f') escaped += escapeControl(char);
    else escaped += char;
  }
  return escaped;
}

function shown(value: string): string {
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
}

/** `value` made safe for where `placeholder` sits; `label` names it in errors ("argument service"). */
function escapePromqlValue(value: string, placeholder: Placeholder, label: string, field: string): string {
  switch (placeholder.context) {
    case 'double-quoted':
      return escapeQuoted(value, '"');
    case 'single-quoted':
      return escapeQuoted(value, "'");
    case 'backtick':
      if (value.includes('`')) {
        throw new DomainError('unsafe-argument', `${label} contains a backtick, which cannot appear inside a \`...\` string of the query`, field);
      }
      return value;
    case 'bare':
    case 'comment':
      if (NUMBER.test(value) || parseDuration(value) !== null || BARE_TOKEN.test(value)) return value;
      throw new DomainError(
        'unsafe-argument',
        `${label} = ${shown(value)} is used outside a string in the query, where only a number, a duration or a name ([A-Za-z0-9_:.]+) is allowed`,
        field,
      );
  }
}

export const promqlDialect: QueryDialect = {
  name: 'PromQL',
  checkSyntax: checkPromqlSyntax,
  escape: escapePromqlValue,
  probeQuery: 'vector(1)',
};
