// YAML text + zod schema + extra checks → a value, or every problem located in the source.
// Shared by templates and the daemon config.

import type { z } from 'zod';
import { sortProblems, type Problem } from './problems.js';
import { parseYamlSource, type PathIssue, type YamlSource } from './yaml-source.js';
import { zodIssuesToPathIssues } from './zod-problems.js';

export type Validated<T> = { ok: true; value: T; source: YamlSource } | { ok: false; problems: Problem[] };

/**
 * Parses `text`; stops at YAML syntax errors. Otherwise runs the schema and `extraChecks` (which
 * read the raw data, so they report even when the schema fails elsewhere) and returns all problems.
 */
export function validateYaml<T>(text: string, file: string, schema: z.ZodType<T>, extraChecks: (data: unknown) => PathIssue[]): Validated<T> {
  const source = parseYamlSource(text, file);
  if (source.syntaxProblems.length > 0) return { ok: false, problems: sortProblems(source.syntaxProblems) };
  const result = schema.safeParse(source.data);
  const issues = result.success ? [] : zodIssuesToPathIssues(result.error.issues, source.data, (path) => !source.has(path));
  issues.push(...extraChecks(source.data));
  if (issues.length > 0 || !result.success) {
    return { ok: false, problems: locateAll(source, issues) };
  }
  return { ok: true, value: result.data, source };
}

/** Located, sorted, without repeats (two checks may see the same fault). */
export function locateAll(source: YamlSource, issues: readonly PathIssue[]): Problem[] {
  const seen = new Set<string>();
  const problems = issues
    .map((issue) => source.locate(issue))
    .filter((problem) => {
      const key = `${problem.line}:${problem.column}:${problem.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  return sortProblems(problems);
}
