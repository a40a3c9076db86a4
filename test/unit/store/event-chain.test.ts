// The event hash chain (src/store/event-chain.ts): the hash the trail's documentation defines, over
// the canonical JSON of the event, and a stored text that keeps the payload's members in order.

import { describe, expect, it } from 'vitest';
import { canonicalJson, sha256Hex } from '../../../src/analysis/evidence-hash.js';
import { chainEventRows, computeEventHash, GENESIS_HASH, verifyEventChain } from '../../../src/store/event-chain.js';
import type { StoredEvent } from '../../../src/store/types.js';

const payloads: Record<string, unknown>[] = [
  {},
  { reason: 'line\nbreak "quoted" é \u2028', b: 1, a: [1, null, { z: true, y: -0 }] },
  { missing: undefined, notANumber: Number.NaN, infinite: Number.NEGATIVE_INFINITY, when: new Date(Date.UTC(2025, 2, 1)) },
  { nested: { deeper: { deepest: ['x', 1e21, 1e-7] } }, list: [undefined, 3] },
];

describe('event chain', () => {
  it('hashes sha256(prevHash + canonical JSON of {analysisId, seq, type, at, payload})', () => {
    for (const [index, payload] of payloads.entries()) {
      const event = { analysisId: 'a"1', seq: index + 1, type: 'tick', at: '2025-03-01T12:00:00.000Z', payload };
      const prevHash = index === 0 ? GENESIS_HASH : sha256Hex(String(index));
      expect(computeEventHash(prevHash, event)).toBe(sha256Hex(prevHash + canonicalJson(event)));
    }
  });

  it('stores each payload as JSON.stringify writes it (members in the order given); read back, the trail verifies', () => {
    const rows = chainEventRows(
      'a1',
      null,
      payloads.map((payload) => ({ type: 'tick', at: '2025-03-01T12:00:00.000Z', payload })),
    );
    const readBack: StoredEvent[] = rows.map(({ payloadJson, ...row }) => ({ ...row, payload: JSON.parse(payloadJson) as Record<string, unknown> }));
    expect(verifyEventChain(readBack)).toEqual({ ok: true });
    for (const [index, row] of rows.entries()) {
      expect(row.payloadJson).toBe(JSON.stringify(payloads[index]));
      expect(canonicalJson(JSON.parse(row.payloadJson))).toBe(canonicalJson(payloads[index]));
    }
  });
});
