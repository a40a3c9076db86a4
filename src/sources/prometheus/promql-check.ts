// PromQL syntax check with the Prometheus UI's own grammar (lezer-promql). It is a syntax check only:
// types (e.g. rate() of an instant vector) are Prometheus' to judge when the query runs.

import { parser } from '@prometheus-io/lezer-promql';

export interface PromqlSyntaxError {
  /** Offset into the checked text of the first error. */
  offset: number;
  message: string;
}

function describeAt(text: string, offset: number): string {
  if (offset >= text.length) return 'unexpected end of query';
  const rest = text.slice(offset).trimStart();
  if (rest === '') return 'unexpected end of query';
  const token = /^(?:[A-Za-z_:][A-Za-z0-9_:]*|\d[\w.]*|\S)/.exec(rest)?.[0] ?? rest[0];
  return `unexpected ${JSON.stringify(token)}`;
}

/** The first syntax error of `text` as PromQL, or null when it parses. */
export function checkPromqlSyntax(text: string): PromqlSyntaxError | null {
  if (text.trim() === '') return { offset: 0, message: 'PromQL syntax error: empty query' };
  const tree = parser.parse(text);
  let first = Number.POSITIVE_INFINITY;
  tree.iterate({
    enter(node) {
      if (node.type.isError) first = Math.min(first, node.from);
    },
  });
  if (first === Number.POSITIVE_INFINITY) return null;
  return { offset: first, message: `PromQL syntax error: ${describeAt(text, first)}` };
}
