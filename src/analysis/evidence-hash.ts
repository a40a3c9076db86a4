// Canonical JSON and the evidence hash that binds a verdict (approvals, idempotency keys).

import { createHash } from 'node:crypto';
import type { TickVerdict } from './types.js';

function isDroppedInObject(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

/**
 * JSON with object keys sorted recursively and no whitespace; undefined members are dropped
 * (null inside arrays, as JSON.stringify does) and non-finite numbers become null.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || isDroppedInObject(value)) return 'null';
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : 'null';
  if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'bigint') throw new TypeError('canonicalJson: bigint is not representable in JSON');
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
  const withToJson = value as { toJSON?: () => unknown };
  if (typeof withToJson.toJSON === 'function') return canonicalJson(withToJson.toJSON());
  const record = value as Record<string, unknown>;
  const members = Object.keys(record)
    .sort()
    .filter((key) => !isDroppedInObject(record[key]))
    .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`);
  return `{${members.join(',')}}`;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** sha256 of the canonical JSON of the whole verdict except its own hash. */
export function evidenceHash(verdict: Omit<TickVerdict, 'evidenceHash'>): string {
  const { evidenceHash: _ignored, ...rest } = verdict as Omit<TickVerdict, 'evidenceHash'> & { evidenceHash?: string };
  return sha256Hex(canonicalJson(rest));
}
