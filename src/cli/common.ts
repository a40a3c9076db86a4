// What the one-shot commands share: exit codes, input parsing, template and source loading.

import { readFile } from 'node:fs/promises';
import { parseDuration } from '../analysis/duration.js';
import type { CompiledTemplate } from '../analysis/types.js';
import { loadConfigFile } from '../config/load.js';
import { sourcePluginFor } from '../sources/from-config.js';
import { prometheusSourcePlugin } from '../sources/prometheus/plugin.js';
import type { MetricSource } from '../sources/types.js';
import type { QueryDialect } from '../template/dialect.js';
import { judgeLoadOptions } from '../stats/registry.js';
import { parseTemplate } from '../template/load.js';
import { formatProblem } from '../template/problems.js';
import { assertArgsRender, resolveArgs } from '../template/render.js';
import { DomainError } from '../analysis/errors.js';
import { EXIT } from '../errors/exit-codes.js';

// The exit codes live with the error catalogue (src/errors/); the commands import them from here.
export { EXIT };

/** A problem with the user's input: printed without a stack trace, exit code 2 (or `exitCode`). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.invalid,
  ) {
    super(message);
  }
}

export type OutputFormat = 'json' | 'text';

export function parseOutputFormat(value: string): OutputFormat {
  if (value === 'json' || value === 'text') return value;
  throw new CliError(`--output: expected "json" or "text", got "${value}"`);
}

/** RFC 3339 or unix seconds → epoch ms. */
export function parseTime(value: string, flag: string): number {
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})$/;
  const ms = Date.parse(trimmed);
  if (!rfc3339.test(trimmed) || Number.isNaN(ms)) {
    throw new CliError(`${flag}: "${value}" is neither RFC 3339 (2026-11-20T10:00:00Z) nor unix seconds`);
  }
  return ms;
}

export function parseDurationFlag(value: string, flag: string): number {
  const ms = parseDuration(value);
  if (ms === null || ms <= 0) throw new CliError(`${flag}: "${value}" is not a positive duration (e.g. 10m, 1h30m)`);
  return ms;
}

/** Collects repeated `--arg key=value` flags. */
export function collectArg(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function parseArgFlags(values: string[]): Record<string, string> {
  const args: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    if (eq <= 0) throw new CliError(`--arg: expected key=value, got "${value}"`);
    const key = value.slice(0, eq);
    if (key in args) throw new CliError(`--arg: "${key}" is given twice`);
    args[key] = value.slice(eq + 1);
  }
  return args;
}

export async function loadTemplate(file: string): Promise<CompiledTemplate> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(`${file}: cannot read the template: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const parsed = parseTemplate(text, file, judgeLoadOptions);
  if (!parsed.ok) throw new CliError(parsed.problems.map(formatProblem).join('\n'));
  return parsed.template;
}

export function templateArgs(template: CompiledTemplate, file: string, given: Record<string, string>): Record<string, string> {
  const resolved = resolveArgs(template, given);
  if (!resolved.ok) throw new CliError(resolved.problems.map((problem) => `${file}: --arg: ${problem}`).join('\n'));
  try {
    assertArgsRender(template, resolved.args);
  } catch (error) {
    if (error instanceof DomainError) throw new CliError(`${file}: --arg: ${error.message}`);
    throw error;
  }
  return resolved.args;
}

export interface SourceFlags {
  sourceUrl?: string;
  config?: string;
  timeout: string;
  bearerTokenFile?: string;
  bearerTokenEnv?: string;
}

/** A source opened for a one-shot command, and the query language its plug-in speaks. */
export interface OpenedSource {
  source: MetricSource;
  dialect: QueryDialect;
}

/**
 * The template's source: from --source-url (a Prometheus URL, with optional auth flags) or from the
 * daemon config's `sources`, built by the plug-in of its type.
 */
export async function openSource(template: CompiledTemplate, flags: SourceFlags): Promise<OpenedSource> {
  if (flags.sourceUrl && flags.config) throw new CliError('give either --source-url or --config, not both');
  if (flags.sourceUrl) {
    let url: URL;
    try {
      url = new URL(flags.sourceUrl);
    } catch {
      throw new CliError(`--source-url: "${flags.sourceUrl}" is not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError('--source-url: expected an http(s) URL');
    const config = {
      type: 'prometheus' as const,
      name: template.source,
      url: flags.sourceUrl,
      timeoutMs: parseDurationFlag(flags.timeout, '--timeout'),
      headers: {},
      ...(await bearerToken(flags)),
    };
    return { source: prometheusSourcePlugin.create(config, {}), dialect: prometheusSourcePlugin.dialect };
  }
  if (!flags.config) throw new CliError('a source is needed: give --source-url URL or --config FILE');
  const loaded = await loadConfigFile(flags.config);
  if (!loaded.ok) throw new CliError(loaded.problems.map(formatProblem).join('\n'));
  const source = loaded.config.sources[template.source];
  if (!source) {
    const known = Object.keys(loaded.config.sources).join(', ') || 'none';
    throw new CliError(`${flags.config}: the template uses source "${template.source}", which the config does not define (it has: ${known})`);
  }
  const plugin = sourcePluginFor(source);
  return { source: plugin.create(source, {}), dialect: plugin.dialect };
}

async function bearerToken(flags: SourceFlags): Promise<{ bearerToken?: string }> {
  if (flags.bearerTokenFile && flags.bearerTokenEnv) throw new CliError('give either --bearer-token-file or --bearer-token-env, not both');
  if (flags.bearerTokenFile) {
    try {
      return { bearerToken: (await readFile(flags.bearerTokenFile, 'utf8')).trim() };
    } catch (error) {
      throw new CliError(`--bearer-token-file: cannot read ${flags.bearerTokenFile}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  }
  if (flags.bearerTokenEnv) {
    const token = process.env[flags.bearerTokenEnv];
    if (!token) throw new CliError(`--bearer-token-env: the environment variable ${flags.bearerTokenEnv} is not set`);
    return { bearerToken: token.trim() };
  }
  return {};
}
