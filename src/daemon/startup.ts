// What the daemon checks before it starts: every template loads, and every template's source is
// defined. All problems are collected and reported together (file:line:col: message).

import { readFile } from 'node:fs/promises';
import { DomainError } from '../analysis/errors.js';
import type { CompiledTemplate } from '../analysis/types.js';
import { loadTemplatePaths } from '../config/template-files.js';
import { judgeLoadOptions } from '../stats/registry.js';
import { formatProblem, sortProblems, type Problem } from '../template/problems.js';
import { parseYamlSource } from '../template/yaml-source.js';

/** Invalid config or templates: the CLI prints `problems` and exits 2. */
export class StartupProblems extends DomainError {
  constructor(readonly problems: Problem[]) {
    super('invalid-config', `canaryd cannot start:\n${problems.map(formatProblem).join('\n')}`);
    this.name = 'StartupProblems';
  }
}

export async function loadDaemonTemplates(paths: string[], sourceNames: ReadonlySet<string>): Promise<Map<string, CompiledTemplate>> {
  const loaded = await loadTemplatePaths(paths, judgeLoadOptions);
  const problems = [...loaded.problems];
  for (const { file, template } of loaded.templates) {
    if (sourceNames.has(template.source)) continue;
    const known = [...sourceNames].sort().join(', ') || 'none';
    const message = `spec.source: the template uses source "${template.source}", which the config does not define (sources: ${known})`;
    problems.push(await locate(file, ['spec', 'source'], message));
  }
  if (problems.length > 0) throw new StartupProblems(sortProblems(problems));
  return new Map(loaded.templates.map(({ template }) => [template.name, template]));
}

async function locate(file: string, path: string[], message: string): Promise<Problem> {
  try {
    return parseYamlSource(await readFile(file, 'utf8'), file).locate({ path, message });
  } catch {
    return { file, line: 0, column: 0, message };
  }
}
