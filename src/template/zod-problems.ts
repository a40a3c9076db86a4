// zod issues → messages people can act on, each naming the field path, e.g.
// "spec.steps[2].weight: expected a number, got "five"". Positions are found later from the path.

import type { z } from 'zod';
import { formatPath, type Path, type PathIssue } from './yaml-source.js';

type ZodIssue = z.core.$ZodIssue;

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'a mapping',
  record: 'a mapping',
  array: 'a list',
  null: 'null',
};

function typeName(expected: string): string {
  return TYPE_NAMES[expected] ?? expected;
}

function valueAt(data: unknown, path: Path): unknown {
  let current = data;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return String(value);
}

/** "spec.steps[2].weight: " — nothing for the document itself. */
function prefix(path: Path): string {
  return path.length === 0 ? '' : `${formatPath(path)}: `;
}

function quoteValues(values: readonly unknown[]): string {
  const shown = values.map((value) => (typeof value === 'string' ? value : JSON.stringify(value)));
  if (shown.length <= 1) return shown.join('');
  return `${shown.slice(0, -1).join(', ')} or ${shown[shown.length - 1]}`;
}

function sizeMessage(issue: Extract<ZodIssue, { code: 'too_small' | 'too_big' }>): string {
  const bound = Number(issue.code === 'too_small' ? issue.minimum : issue.maximum);
  const inclusive = issue.inclusive !== false;
  if (issue.origin === 'array') {
    if (issue.code === 'too_small') return bound <= 1 ? 'must not be empty' : `must have at least ${bound} items`;
    return `must have at most ${bound} items`;
  }
  if (issue.origin === 'string') {
    if (issue.code === 'too_small') return bound <= 1 ? 'must not be empty' : `must be at least ${bound} characters`;
    return `must be at most ${bound} characters`;
  }
  if (issue.code === 'too_small') return inclusive ? `must be at least ${bound}` : `must be greater than ${bound}`;
  return inclusive ? `must be at most ${bound}` : `must be less than ${bound}`;
}

type IsMissing = (path: Path) => boolean;

/** A union branch that failed only because the value has another type altogether. */
function isTypeMismatch(branch: readonly ZodIssue[]): boolean {
  return branch.every((inner) => inner.code === 'invalid_type' && inner.path.length === 0);
}

/**
 * A union explains itself through the branch whose type matched (the deepest one if several), e.g.
 * `when: ""` is "must not be empty"; when no type matched: "expected a string or a list, got 42".
 */
function unionIssues(issue: Extract<ZodIssue, { code: 'invalid_union' }>, data: unknown, path: Path, isMissing: IsMissing): PathIssue[] {
  const at = (message: string): PathIssue[] => [{ path, message: `${prefix(path)}${message}` }];
  if (issue.errors.length === 0) {
    // A discriminated union whose discriminator matched no option.
    const options = (issue as { options?: unknown[] }).options;
    if (options === undefined) return at(issue.message);
    if (isMissing(path)) return at(`required (one of ${quoteValues(options)})`);
    return at(`expected ${quoteValues(options)}, got ${describeValue(valueAt(data, path))}`);
  }
  const matched = issue.errors.filter((branch) => !isTypeMismatch(branch));
  if (matched.length > 0) {
    const depth = (branch: readonly ZodIssue[]): number => Math.max(...branch.map((inner) => inner.path.length));
    const best = matched.reduce((deepest, branch) => (depth(branch) > depth(deepest) ? branch : deepest));
    return best.flatMap((inner) => issueToPathIssues({ ...inner, path: [...path, ...inner.path] } as ZodIssue, data, isMissing));
  }
  if (isMissing(path)) return at('required');
  const expected = issue.errors.flatMap((branch) => branch.map((inner) => typeName((inner as { expected: string }).expected)));
  return at(`expected ${quoteValues([...new Set(expected)])}, got ${describeValue(valueAt(data, path))}`);
}

function issueToPathIssues(issue: ZodIssue, data: unknown, isMissing: IsMissing): PathIssue[] {
  const path = issue.path.filter((segment): segment is string | number => typeof segment !== 'symbol');
  const at = (message: string): PathIssue[] => [{ path, message: `${prefix(path)}${message}` }];
  switch (issue.code) {
    case 'invalid_type':
      if (isMissing(path)) return at('required');
      return at(`expected ${typeName(issue.expected)}, got ${describeValue(valueAt(data, path))}`);
    case 'invalid_union':
      return unionIssues(issue, data, path, isMissing);
    case 'invalid_value':
      if (isMissing(path)) return at(`required (${quoteValues(issue.values)})`);
      return at(`expected ${quoteValues(issue.values)}, got ${describeValue(valueAt(data, path))}`);
    case 'too_small':
    case 'too_big':
      return at(sizeMessage(issue));
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({
        path: [...path, key],
        at: 'key' as const,
        message: `${prefix([...path, key])}unknown field`,
      }));
    case 'invalid_key':
      return [{ path, at: 'key', message: `${prefix(path)}invalid name: ${issue.issues[0]?.message ?? issue.message}` }];
    default:
      return at(issue.message);
  }
}

/**
 * One PathIssue per problem zod found. `isMissing(path)` tells whether the source has no node at
 * `path`, so an absent field reads "required" rather than "expected a string, got undefined".
 */
export function zodIssuesToPathIssues(issues: readonly ZodIssue[], data: unknown, isMissing: IsMissing): PathIssue[] {
  return issues.flatMap((issue) => issueToPathIssues(issue, data, isMissing));
}
