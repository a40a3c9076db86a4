// Canonical JSON and the evidence hash that binds a verdict (approvals, idempotency keys).

import { createHash } from 'node:crypto';
import type { TickVerdict } from './types.js';

function isDroppedInObject(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

/**
 * JSON with object keys sorted recursively and no whitespace; undefined members are dropped
 * (null inside arrays, as JSON.stringify does) and non-finite numbers become null.
 * Written with loops and string appends: it hashes every event and verdict of every tick.
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'number':
      // For finite numbers String() and JSON.stringify() agree (-0 → "0", 1e21 → "1e+21").
      return Number.isFinite(value) ? String(value) : 'null';
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      throw new TypeError('canonicalJson: bigint is not representable in JSON');
    case 'undefined':
    case 'function':
    case 'symbol':
      return 'null';
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    let text = '[';
    for (let index = 0; index < value.length; index += 1) {
      if (index > 0) text += ',';
      text += canonicalJson(value[index]);
    }
    return `${text}]`;
  }
  const withToJson = value as { toJSON?: () => unknown };
  if (typeof withToJson.toJSON === 'function') return canonicalJson(withToJson.toJSON());
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let text = '{';
  for (const key of keys) {
    const member = record[key];
    if (isDroppedInObject(member)) continue;
    if (text.length > 1) text += ',';
    text += `${JSON.stringify(key)}:${canonicalJson(member)}`;
  }
  return `${text}}`;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** sha256 of the canonical JSON of the whole verdict except its own hash. */
export function evidenceHash(verdict: Omit<TickVerdict, 'evidenceHash'>): string {
  const { evidenceHash: _ignored, ...rest } = verdict as Omit<TickVerdict, 'evidenceHash'> & { evidenceHash?: string };
  return sha256Hex(canonicalJson(rest));
}
