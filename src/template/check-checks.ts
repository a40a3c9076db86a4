// spec.checks (issue 9): gate inputs that are not metrics. The shape is zod's (schema.ts); here the
// raw data becomes the map rules are checked against (`checks.NAME.FIELD`), with duplicate names.

import { CHECK_FIELD_TYPES, type CheckFieldType, type CheckSpec } from '../analysis/types.js';
import { isRecord, listOf, rawDurationMs } from './raw-data.js';
import { formatPath, type PathIssue } from './yaml-source.js';

export type CheckFields = Record<string, CheckFieldType>;

/** `fields` as a map (field → type) or a list of field names (numbers). */
export function fieldsOf(raw: unknown): CheckFields {
  if (Array.isArray(raw)) {
    return Object.fromEntries(raw.filter((name): name is string => typeof name === 'string').map((name) => [name, 'number' as const]));
  }
  if (!isRecord(raw)) return {};
  const fields: CheckFields = {};
  for (const [name, type] of Object.entries(raw)) {
    if ((CHECK_FIELD_TYPES as readonly unknown[]).includes(type)) fields[name] = type as CheckFieldType;
  }
  return fields;
}

/** The declared checks by name, for rule checks; null when spec.checks is unusable (zod reports that). */
export function checkChecks(spec: Record<string, unknown>, issues: PathIssue[]): Map<string, CheckFields> | null {
  if (spec.checks !== undefined && !Array.isArray(spec.checks)) return null;
  const checks = new Map<string, CheckFields>();
  listOf(spec.checks).forEach((check, index) => {
    if (!isRecord(check) || typeof check.name !== 'string') return;
    const path = ['spec', 'checks', index, 'name'];
    if (checks.has(check.name)) issues.push({ path, message: `${formatPath(path)}: duplicate check name "${check.name}"` });
    else checks.set(check.name, fieldsOf(check.fields));
  });
  return checks;
}

export function compileChecks(raw: ReadonlyArray<{ name: string; fields: unknown; maxAge?: unknown }>): CheckSpec[] {
  return raw.map((check) => ({ name: check.name, fields: fieldsOf(check.fields), maxAgeMs: rawMaxAge(check.maxAge) }));
}

function rawMaxAge(value: unknown): number | null {
  if (typeof value === 'number') return value;
  return rawDurationMs(value) ?? null;
}
