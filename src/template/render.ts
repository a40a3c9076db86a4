// Rendering a metric's query for one variant and window, and resolving an analysis' arguments.
//
// SECURITY: argument and variant values come from API callers. Each value is escaped by the
// source's QueryDialect (src/template/dialect.ts; PromQL: src/sources/prometheus/dialect.ts) for the
// context its placeholder sits in, so it can never end its string or add matchers or operators.

import { formatDuration } from '../analysis/duration.js';
import { DomainError } from '../analysis/errors.js';
import type { CompiledTemplate } from '../analysis/types.js';
import { promqlDialect } from '../sources/prometheus/dialect.js';
import type { QueryDialect } from './dialect.js';
import { scanQuery, substitutePlaceholders } from './placeholders.js';

export interface RenderContext {
  args: Record<string, string>;
  variant: string;
  windowMs: number;
  intervalMs: number;
  /** The source's query language (default: PromQL). */
  dialect?: QueryDialect;
}

/** The query with its placeholders replaced; throws DomainError for an unsafe or missing value. */
export function renderQuery(query: string, ctx: RenderContext): string {
  const scan = scanQuery(query);
  if (scan.unclosedAt !== null) throw new DomainError('invalid-template', `query has a "{{" that is never closed: ${query}`);
  const dialect = ctx.dialect ?? promqlDialect;
  const rendered = substitutePlaceholders(query, scan.placeholders, (placeholder) => {
    const { ref } = placeholder;
    if (placeholder.afterBackslash) {
      throw new DomainError('invalid-template', `placeholder ${placeholder.text} follows a backslash inside a string`);
    }
    switch (ref.kind) {
      case 'arg': {
        const value = ctx.args[ref.name];
        if (value === undefined) throw new DomainError('missing-argument', `argument "${ref.name}" has no value`, `args.${ref.name}`);
        return dialect.escape(value, placeholder, `argument "${ref.name}"`, `args.${ref.name}`);
      }
      case 'variant':
        return dialect.escape(ctx.variant, placeholder, 'the variant', 'variant');
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
export function assertArgsRender(template: CompiledTemplate, args: Record<string, string>, dialect: QueryDialect = promqlDialect): void {
  for (const metric of template.metrics) {
    for (const variant of Object.values(template.variants)) {
      renderQuery(metric.query, { args, variant, windowMs: template.intervalMs, intervalMs: template.intervalMs, dialect });
    }
  }
}
