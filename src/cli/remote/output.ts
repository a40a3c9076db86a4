// Text output of the remote commands, kubectl style: upper-case headers, columns aligned with
// at least three spaces, "-" for nothing; `describe` as "Key:  value" lines and indented tables.
// --output json prints the daemon's body as it came.

import type { OutputFormat } from '../common.js';
import type { CommandIo } from '../io.js';

export const NONE = '-';

/** Rows aligned under their headers; the last column is not padded. */
export function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>, indent = ''): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    `${indent}${cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd((widths[column] ?? 0) + 3)))
      .join('')
      .trimEnd()}`;
  return [line(headers), ...rows.map(line)].join('\n');
}

/** "Key:   value" lines with the values aligned. */
export function keyValues(pairs: ReadonlyArray<readonly [string, string]>, indent = ''): string {
  const width = Math.max(0, ...pairs.map(([key]) => key.length + 1));
  return pairs.map(([key, value]) => `${indent}${`${key}:`.padEnd(width + 2)}${value}`).join('\n');
}

/** A section of `describe`: a title line and its body indented by two spaces; "<none>" when empty. */
export function section(title: string, body: string): string {
  return `${title}:\n${body === '' ? '  <none>' : body}`;
}

export function orNone(value: string | number | null | undefined): string {
  return value === null || value === undefined || value === '' ? NONE : String(value);
}

export function ruleText(rule: { id: string; group: string } | null | undefined): string {
  return rule ? `${rule.id} (${rule.group})` : NONE;
}

/** A number as the text output shows it: up to 4 significant digits, null as "-". */
export function numberText(value: number | boolean | null | undefined): string {
  if (value === null || value === undefined) return NONE;
  if (typeof value === 'boolean') return String(value);
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(4)));
}

export function stepText(step: number, steps: number, weight: number): string {
  return `${step + 1}/${steps} (${weight}%)`;
}

/** The daemon's body on --output json, or the text of it. */
export function emit(io: CommandIo, output: OutputFormat, raw: unknown, text: () => string): void {
  io.stdout(output === 'json' ? `${JSON.stringify(raw, null, 2)}\n` : `${text()}\n`);
}
