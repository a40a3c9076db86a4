// `canaryd check ID NAME --value FIELD=VALUE … --source S` posts evidence for a template's check
// (scope checks:write or analyses:create); `canaryd get gate ID` prints seed 002's gate report and
// exits by its decision (0 allow, 1 rollback, 3 block or hold), so a pipeline can gate on it.

import type { Command } from 'commander';
import type { z } from 'zod';
import { gateReportSchema, postedCheckSchema } from '../../http/schemas/releases.js';
import { CliError, collectArg, EXIT } from '../common.js';
import type { CommandIo } from '../io.js';
import { segment } from './client.js';
import { addDaemonOptions, type DaemonFlags, outputOf } from './connection.js';
import type { RemoteDeps } from './deps.js';
import { emit, keyValues, NONE, numberText, orNone, section, table } from './output.js';

type CheckValue = number | boolean | string;
type GateReport = z.infer<typeof gateReportSchema>;

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** FIELD=VALUE: true/false are booleans, numbers are numbers, anything else a string (--string forces one). */
export function parseCheckValues(values: readonly string[], strings: readonly string[]): Record<string, CheckValue> {
  const parsed: Record<string, CheckValue> = {};
  const add = (flag: string, item: string, infer: boolean) => {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new CliError(`${flag}: expected FIELD=VALUE, got "${item}"`);
    const field = item.slice(0, eq);
    const text = item.slice(eq + 1);
    if (Object.hasOwn(parsed, field)) throw new CliError(`${flag}: field "${field}" is given twice`);
    if (!infer) parsed[field] = text;
    else if (text === 'true' || text === 'false') parsed[field] = text === 'true';
    else if (NUMBER.test(text.trim())) parsed[field] = Number(text);
    else parsed[field] = text;
  };
  for (const item of values) add('--value', item, true);
  for (const item of strings) add('--string', item, false);
  if (Object.keys(parsed).length === 0) throw new CliError("give the check's fields with --value FIELD=VALUE (repeatable)");
  return parsed;
}

function valuesText(values: Readonly<Record<string, CheckValue>>): string {
  return Object.entries(values)
    .map(([field, value]) => `${field}=${typeof value === 'number' ? numberText(value) : String(value)}`)
    .join(', ');
}

const DECISION_EXIT: Record<GateReport['decision'], number> = {
  allow_promotion_to_next_stage: EXIT.promote,
  rollback: EXIT.abort,
  block: EXIT.hold,
  hold: EXIT.hold,
};

function gateText(report: GateReport): string {
  const blockers = Object.entries(report.blockers);
  const target = (blocker: GateReport['blockers'][string]): string => {
    const found = Object.entries(blocker).find(([key]) => key.startsWith('target_'));
    return found ? `${found[0].slice('target_'.length)} ${String(found[1])}` : NONE;
  };
  return [
    keyValues([
      ['Gate', report.gate_id],
      ['Decision', report.decision],
      ['Window', report.window ? `${report.window.duration} (${orNone(report.window.start)} → ${report.window.end})` : NONE],
    ]),
    section(
      'Owners',
      Object.entries(report.owners)
        .map(([role, owner]) => `  ${role}: ${owner}`)
        .join('\n'),
    ),
    section(
      'Blockers',
      blockers.length === 0
        ? ''
        : table(
            ['BLOCKER', 'TARGET', 'VALUE', 'PASS'],
            blockers.map(([name, blocker]) => [name, target(blocker), numberText(blocker.value), blocker.pass === null ? 'unknown' : String(blocker.pass)]),
            '  ',
          ),
    ),
  ].join('\n\n');
}

export function registerChecks(program: Command, get: Command, io: CommandIo, deps: RemoteDeps): void {
  addDaemonOptions(
    program
      .command('check')
      .description("post evidence for a template's check (spec.checks), read by rules as checks.NAME.FIELD")
      .argument('<id>', 'the analysis id')
      .argument('<name>', 'the check, as the template declares it')
      .option('--value <field=value>', 'a field (repeatable): true/false and numbers are typed, the rest are strings', collectArg, [])
      .option('--string <field=value>', 'a field whose value is a string even if it looks like a number (repeatable)', collectArg, [])
      .requiredOption('--source <text>', 'where the evidence comes from, e.g. "eval-run 2026-12-01/42"')
      .option('--digest <digest>', 'a digest of the evidence, e.g. sha256:<hex>'),
  ).action(async (id: string, name: string, flags: DaemonFlags & { value: string[]; string: string[]; source: string; digest?: string }) => {
    const output = outputOf(flags);
    const values = parseCheckValues(flags.value, flags.string);
    if (flags.source.trim() === '') throw new CliError('--source: must not be empty');
    const client = await deps.client(flags);
    const body = { values, source: flags.source, ...(flags.digest === undefined ? {} : { digest: flags.digest }) };
    const { raw, body: answer } = await client.post(`/v1/analyses/${segment(id)}/checks/${segment(name)}`, body, postedCheckSchema);
    const { check } = answer;
    emit(
      io,
      output,
      raw,
      () =>
        `check ${check.name} of analysis ${id}: ${valuesText(check.values)} from ${check.source}${check.digest ? ` (${check.digest})` : ''} at ${check.at} by ${orNone(check.actor)}`,
    );
  });

  addDaemonOptions(
    get
      .command('gate')
      .description("an analysis' gate report (seed 002): blockers with target, value and pass, owners, decision; exit 0 allow, 1 rollback, 3 block or hold")
      .argument('<id>', 'the analysis id'),
  ).action(async (id: string, flags: DaemonFlags) => {
    const output = outputOf(flags);
    const client = await deps.client(flags);
    const { raw, body } = await client.get(`/v1/analyses/${segment(id)}/gate`, gateReportSchema);
    emit(io, output, raw, () => gateText(body));
    io.setExitCode(DECISION_EXIT[body.decision]);
  });
}
