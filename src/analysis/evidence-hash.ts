// Canonical JSON and the evidence hash that binds a verdict (approvals, idempotency keys).

import { createHash } from 'node:crypto';
import type { TickVerdict } from './types.js';

/**
 * The canonical texts of the members of every verdict whose evidence hash was computed (its
 * conditions, metrics, checks). Hashed evidence is frozen: changing it would make the hash lie. The
 * tick event that carries the same conditions and metrics then reuses their text for its own hash
 * instead of serializing 3 KB again.
 */
const hashedEvidence = new WeakMap<object, string>();

function deepFreeze(value: object): void {
  Object.freeze(value);
  for (const member of Object.values(value)) {
    if (typeof member === 'object' && member !== null && !Object.isFrozen(member)) deepFreeze(member);
  }
}

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
  const known = hashedEvidence.get(value as object);
  if (known !== undefined) return known;
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
  for (const member of Object.values(rest)) {
    if (typeof member !== 'object' || member === null || hashedEvidence.has(member)) continue;
    deepFreeze(member);
    hashedEvidence.set(member, canonicalJson(member));
  }
  return sha256Hex(canonicalJson(rest));
}
