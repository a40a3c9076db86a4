// `canaryd validate PATH...`: check templates (files or folders of them); every problem with its position.

import type { Command } from 'commander';
import { loadTemplatePaths } from '../config/template-files.js';
import { judgeLoadOptions } from '../stats/registry.js';
import { formatProblem, type Problem } from '../template/problems.js';
import { EXIT, parseOutputFormat } from './common.js';
import { writeResult, type CommandIo } from './io.js';

interface ValidateResult {
  valid: boolean;
  templates: Array<{ file: string; name: string; metrics: number; rules: number; steps: number }>;
  problems: Problem[];
}

export function registerValidate(program: Command, io: CommandIo): void {
  program
    .command('validate')
    .description('validate analysis templates (files, or folders searched for *.yaml / *.yml)')
    .argument('<paths...>', 'template files or folders')
    .option('--output <format>', 'json | text', 'text')
    .action(async (paths: string[], flags: { output: string }) => {
      const output = parseOutputFormat(flags.output);
      const loaded = await loadTemplatePaths(paths, judgeLoadOptions);
      const result: ValidateResult = {
        valid: loaded.problems.length === 0,
        templates: loaded.templates.map(({ file, template }) => ({
          file,
          name: template.name,
          metrics: template.metrics.length,
          rules: template.rules.length,
          steps: template.steps.length,
        })),
        problems: loaded.problems,
      };
      writeResult(io, output, result, formatValidation);
      io.setExitCode(result.valid ? EXIT.promote : EXIT.invalid);
    });
}

function formatValidation(result: ValidateResult): string {
  const lines = result.problems.map(formatProblem);
  const problemFiles = new Set(result.problems.map((problem) => problem.file));
  for (const template of result.templates) {
    if (!problemFiles.has(template.file)) {
      lines.push(`${template.file}: ok — ${template.name} (${template.metrics} metrics, ${template.rules} rules, ${template.steps} steps)`);
    }
  }
  if (result.templates.length === 0 && result.problems.length === 0) lines.push('no templates found');
  lines.push(result.valid ? 'valid' : `${result.problems.length} problem(s)`);
  return `${lines.join('\n')}\n`;
}
