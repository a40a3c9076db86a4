// Rendering a metric's query for one variant and window, and resolving an analysis' arguments.
//
// SECURITY: argument and variant values come from API callers. Each value is escaped for the PromQL
// context its placeholder sits in, so it can never end its string or add matchers or operators:
//   "..." and '...'  backslash, the quote, and control characters are escaped;
//   `...`            (raw string, no escapes exist) a value containing a backtick is refused;
//   bare / comment   only numbers, durations and name-like tokens [A-Za-z0-9_:.]+ are accepted.
// Regex matchers (=~ "...", !~ "...") are strings too, so escaping the string is enough to stay
// inside it; regex metacharacters in a value are NOT escaped: `.*` in an argument matches anything.
// A template that wants a literal match must use = rather than =~.

import { formatDuration, parseDuration } from '../analysis/duration.js';
import { DomainError } from '../analysis/errors.js';
import type { CompiledTemplate } from '../analysis/types.js';
import { scanQuery, substitutePlaceholders, type Placeholder } from './placeholders.js';

export interface RenderContext {
  args: Record<string, string>;
  variant: string;
  windowMs: number;
  intervalMs: number;
}

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
function valueForContext(value: string, placeholder: Placeholder, label: string, field: string): string {
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

/** The query with its placeholders replaced; throws DomainError for an unsafe or missing value. */
export function renderQuery(query: string, ctx: RenderContext): string {
  const scan = scanQuery(query);
  if (scan.unclosedAt !== null) throw new DomainError('invalid-template', `query has a "{{" that is never closed: ${query}`);
  const rendered = substitutePlaceholders(query, scan.placeholders, (placeholder) => {
    const { ref } = placeholder;
    if (placeholder.afterBackslash) {
      throw new DomainError('invalid-template', `placeholder ${placeholder.text} follows a backslash inside a string`);
    }
    switch (ref.kind) {
      case 'arg': {
        const value = ctx.args[ref.name];
        if (value === undefined) throw new DomainError('missing-argument', `argument "${ref.name}" has no value`, `args.${ref.name}`);
        return valueForContext(value, placeholder, `argument "${ref.name}"`, `args.${ref.name}`);
      }
      case 'variant':
        return valueForContext(ctx.variant, placeholder, 'the variant', 'variant');
      case 'window':
        return formatDuration(ctx.windowMs);
      case 'interval':
        return formatDuration(ctx.intervalMs);
      case 'invalid':
        throw new DomainError('invalid-template', `unknown placeholder ${placeholder.text}`);
    }
  });
  return rendered.text;
}

/** The arguments of an analysis: defaults applied, every missing or unknown one named. */
export function resolveArgs(
  template: CompiledTemplate,
  given: Record<string, string>,
): { ok: true; args: Record<string, string> } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const args: Record<string, string> = {};
  const declared = new Set(template.args.map((arg) => arg.name));
  for (const arg of template.args) {
    const value: unknown = Object.hasOwn(given, arg.name) ? given[arg.name] : arg.default;
    if (value === undefined) problems.push(`missing required argument "${arg.name}"`);
    else if (typeof value !== 'string') problems.push(`argument "${arg.name}" must be a string`);
    else args[arg.name] = value;
  }
  for (const name of Object.keys(given)) {
    if (!declared.has(name)) {
      const known = template.args.length > 0 ? template.args.map((arg) => arg.name).join(', ') : 'none';
      problems.push(`unknown argument "${name}" (template ${template.name} declares: ${known})`);
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, args };
}

/**
 * Renders every query of the template for both variants once, so that an argument that cannot be
 * placed safely is refused when the analysis is created, not at every tick. Throws the DomainError
 * ('unsafe-argument', field args.NAME) of the first one.
 */
export function assertArgsRender(template: CompiledTemplate, args: Record<string, string>): void {
  for (const metric of template.metrics) {
    for (const variant of Object.values(template.variants)) {
      renderQuery(metric.query, { args, variant, windowMs: template.intervalMs, intervalMs: template.intervalMs });
    }
  }
}
