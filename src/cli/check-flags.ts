// `--check NAME=FILE` for the one-shot commands (analyze, backtest): evidence for a check the
// template declares (spec.checks), a JSON file shaped like the API's body {values, source, digest?}.
// The evidence counts as received at `atMs` (the judgement's time, or the backtest's start).

import { readFile } from 'node:fs/promises';
import { checkValuesProblem } from '../analysis/checks.js';
import type { CheckEvidence, CheckValue, CompiledTemplate } from '../analysis/types.js';
import { CliError } from './common.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function readEvidence(name: string, file: string, template: CompiledTemplate, atMs: number): Promise<CheckEvidence> {
  const where = `--check ${name}=${file}`;
  const spec = template.checks?.find((check) => check.name === name);
  if (spec === undefined) {
    const known = (template.checks ?? []).map((check) => check.name);
    throw new CliError(
      `${where}: template ${template.name} has no check "${name}" (${known.length === 0 ? 'it declares none' : `checks: ${known.join(', ')}`})`,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch (error) {
    const why = error instanceof SyntaxError ? `not JSON: ${error.message}` : `cannot read it: ${(error as NodeJS.ErrnoException).code ?? String(error)}`;
    throw new CliError(`${where}: ${why}`);
  }
  if (!isRecord(body) || !isRecord(body.values))
    throw new CliError(`${where}: values: expected {"values": {FIELD: value, ...}, "source": "...", "digest"?: "..."}`);
  const unknownKey = Object.keys(body).find((key) => !['values', 'source', 'digest'].includes(key));
  if (unknownKey !== undefined) throw new CliError(`${where}: ${unknownKey}: unknown field (fields: values, source, digest)`);
  if (typeof body.source !== 'string' || body.source.trim() === '')
    throw new CliError(`${where}: source: say where the evidence comes from, e.g. "eval-run 42"`);
  if (body.digest !== undefined && typeof body.digest !== 'string') throw new CliError(`${where}: digest: must be a string`);
  const problem = checkValuesProblem(spec, body.values);
  if (problem !== null) throw new CliError(`${where}: ${problem.field}: ${problem.message}`);
  return {
    name,
    values: { ...body.values } as Record<string, CheckValue>,
    source: body.source,
    digest: typeof body.digest === 'string' ? body.digest : null,
    at: new Date(atMs).toISOString(),
    actor: null,
  };
}

export async function parseCheckFlags(flags: readonly string[], template: CompiledTemplate, atMs: number): Promise<Record<string, CheckEvidence>> {
  const evidence: Record<string, CheckEvidence> = {};
  for (const flag of flags) {
    const equals = flag.indexOf('=');
    if (equals <= 0 || equals === flag.length - 1) throw new CliError(`--check: expected NAME=FILE (a JSON file {values, source, digest?}), got "${flag}"`);
    const name = flag.slice(0, equals);
    if (Object.hasOwn(evidence, name)) throw new CliError(`--check: check "${name}" given twice`);
    evidence[name] = await readEvidence(name, flag.slice(equals + 1), template, atMs);
  }
  return evidence;
}
