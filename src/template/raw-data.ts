// Defensive reading of not-yet-validated YAML data, so semantic checks can run (and report) even
// when zod found problems elsewhere in the same document.

import { parseDuration } from '../analysis/duration.js';

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function recordAt(value: unknown, key: string): Record<string, unknown> {
  if (!isRecord(value)) return {};
  const inner = value[key];
  return isRecord(inner) ? inner : {};
}

export function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Milliseconds of a raw duration field, or undefined when absent or invalid (zod reports that). */
export function rawDurationMs(value: unknown): number | undefined {
  if (value === 0) return 0;
  if (typeof value !== 'string') return undefined;
  return parseDuration(value) ?? undefined;
}
