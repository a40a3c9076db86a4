// Reads template files and folders (the config's `templates:`) and compiles them; the file-system
// side of src/template/load.ts, which stays pure.

import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { CompiledTemplate } from '../analysis/types.js';
import { parseTemplate, type TemplateLoadOptions } from '../template/load.js';
import { sortProblems, type Problem } from '../template/problems.js';
import { parseYamlSource } from '../template/yaml-source.js';

const TEMPLATE_EXTENSIONS = ['.yaml', '.yml'];

export interface LoadedTemplates {
  templates: Array<{ file: string; template: CompiledTemplate }>;
  problems: Problem[];
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'unreadable';
}

function wholeFileProblem(file: string, message: string): Problem {
  return { file, line: 0, column: 0, message };
}

/** YAML files under `folder`, recursively, in a stable order; hidden entries are skipped. */
async function yamlFilesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  const files: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const path = join(folder, entry.name);
    if (entry.isDirectory()) files.push(...(await yamlFilesUnder(path)));
    else if (entry.isFile() && TEMPLATE_EXTENSIONS.some((extension) => entry.name.endsWith(extension))) files.push(path);
  }
  return files;
}

/** Files named directly are read whatever their extension; folders contribute their .yaml/.yml files. */
async function expandPaths(paths: readonly string[], problems: Problem[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    try {
      const info = await stat(path);
      files.push(...(info.isDirectory() ? await yamlFilesUnder(path) : [path]));
    } catch (error) {
      problems.push(wholeFileProblem(path, `cannot read template path (${errorCode(error)})`));
    }
  }
  return [...new Set(files.map((file) => resolve(file)))];
}

/** Compiles every template found; template names must be unique across all files. */
export async function loadTemplatePaths(paths: string[], options: TemplateLoadOptions = {}): Promise<LoadedTemplates> {
  const problems: Problem[] = [];
  const templates: LoadedTemplates['templates'] = [];
  const fileOfName = new Map<string, string>();
  for (const file of await expandPaths(paths, problems)) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      problems.push(wholeFileProblem(file, `cannot read template file (${errorCode(error)})`));
      continue;
    }
    const result = parseTemplate(text, file, options);
    if (!result.ok) {
      problems.push(...result.problems);
      continue;
    }
    const earlier = fileOfName.get(result.template.name);
    if (earlier !== undefined) {
      const message = `metadata.name: duplicate template name "${result.template.name}" (also in ${earlier})`;
      problems.push(parseYamlSource(text, file).locate({ path: ['metadata', 'name'], message }));
      continue;
    }
    fileOfName.set(result.template.name, file);
    templates.push({ file, template: result.template });
  }
  return { templates, problems: sortProblems(problems) };
}
