// The query language of a metric source, as far as templates need it: checking a query's syntax
// when a template is loaded, and placing a caller's value safely where a placeholder sits. Each
// source plugin brings its own (src/sources/<type>/dialect.ts); the template code calls only this.

import type { Placeholder } from './placeholders.js';

export interface QuerySyntaxError {
  /** Offset into the checked text of the first error. */
  offset: number;
  message: string;
}

export interface QueryDialect {
  /** Shown in messages, e.g. "PromQL". */
  readonly name: string;
  /** The first syntax error of `text`, or null when it parses. Syntax only. */
  checkSyntax(text: string): QuerySyntaxError | null;
  /**
   * `value` made safe for where `placeholder` sits; throws DomainError('unsafe-argument', …, field)
   * when it cannot be. `label` names the value in messages ("argument "service"").
   */
  escape(value: string, placeholder: Placeholder, label: string, field: string): string;
  /** A cheap query that any reachable back end answers with one number. */
  readonly probeQuery: string;
}
