// Checks (spec.checks): gate inputs that are not metrics. The evidence posted for each check is
// read at a tick's time: a check never posted, or older than its maxAge, is unknown, so it can
// never promote. Pure: `now` is an argument.

import type { StatLookup } from './conditions/evaluate.js';
import type { CheckEvidence, CheckReading, CheckSpec } from './types.js';

/** Conditions name a check's field as `checks.NAME.FIELD`; the tokenizer makes that metric "checks.NAME", stat FIELD. */
export const CHECKS_PREFIX = 'checks.';

export function isCheckRef(metric: string): boolean {
  return metric.startsWith(CHECKS_PREFIX);
}

export function checkNameOf(metric: string): string {
  return metric.slice(CHECKS_PREFIX.length);
}

export function isFresh(spec: CheckSpec, evidence: CheckEvidence, now: number): boolean {
  if (spec.maxAgeMs === null) return true;
  const at = Date.parse(evidence.at);
  return Number.isFinite(at) && now - at <= spec.maxAgeMs;
}

/** Every declared check as read at `now`: its evidence with its freshness, or null when never posted. */
export function readChecks(specs: readonly CheckSpec[], evidence: Readonly<Record<string, CheckEvidence>>, now: number): Record<string, CheckReading | null> {
  const readings: Record<string, CheckReading | null> = {};
  for (const spec of specs) {
    const posted = Object.hasOwn(evidence, spec.name) ? evidence[spec.name] : undefined;
    readings[spec.name] =
      posted === undefined ? null : { values: posted.values, source: posted.source, digest: posted.digest, at: posted.at, fresh: isFresh(spec, posted, now) };
  }
  return readings;
}

/** `metrics` answers metric stats; `checks.NAME.FIELD` refs read fresh check evidence (strings and stale ones are unknown). */
export function withChecks(metrics: StatLookup, readings: Readonly<Record<string, CheckReading | null>>): StatLookup {
  return (metric, stat) => {
    if (!isCheckRef(metric)) return metrics(metric, stat);
    const name = checkNameOf(metric);
    const reading = Object.hasOwn(readings, name) ? readings[name] : undefined;
    if (reading === undefined || reading === null || !reading.fresh) return null;
    const value = Object.hasOwn(reading.values, stat) ? reading.values[stat] : undefined;
    return typeof value === 'number' || typeof value === 'boolean' ? value : null;
  };
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}

/** Every declared field present with its type and no other field; else the first problem, naming its field (values.FIELD). */
export function checkValuesProblem(spec: CheckSpec, values: Readonly<Record<string, unknown>>): { field: string; message: string } | null {
  const declared = Object.keys(spec.fields);
  for (const [field, value] of Object.entries(values)) {
    const type = Object.hasOwn(spec.fields, field) ? spec.fields[field] : undefined;
    if (type === undefined) return { field: `values.${field}`, message: `check "${spec.name}" has no field "${field}" (fields: ${declared.join(', ')})` };
    const fits = type === 'number' ? typeof value === 'number' && Number.isFinite(value) : typeof value === type;
    if (!fits) return { field: `values.${field}`, message: `must be ${type === 'number' ? 'a finite number' : `a ${type}`}, got ${describeValue(value)}` };
  }
  const missing = declared.find((field) => !Object.hasOwn(values, field));
  if (missing === undefined) return null;
  return { field: `values.${missing}`, message: `check "${spec.name}" needs every field (${declared.join(', ')}); "${missing}" is missing` };
}
