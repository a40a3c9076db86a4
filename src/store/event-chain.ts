// The hash chain of an analysis's event trail. Each event's hash covers the previous event's hash,
// so changing, removing or reordering any stored event breaks verification from that event on.

import { canonicalJson, sha256Hex } from '../analysis/evidence-hash.js';
import type { EventInput, StoredEvent } from './types.js';

/** prevHash of the first event of every analysis. */
export const GENESIS_HASH = '0'.repeat(64);

export function computeEventHash(
  prevHash: string,
  event: { analysisId: string; seq: number; type: string; at: string; payload: Record<string, unknown> },
): string {
  const { analysisId, seq, type, at, payload } = event;
  return sha256Hex(prevHash + canonicalJson({ analysisId, seq, type, at, payload }));
}

/** A chained event as the SQL stores write it: the payload as its JSON text. */
export interface ChainedEventRow extends Omit<StoredEvent, 'payload'> {
  payloadJson: string;
}

/**
 * Chains new events after the last stored one, each payload serialized once. The hash covers
 * exactly what a backend stores and reads back: canonicalJson follows JSON.stringify's rules
 * (undefined members dropped, NaN → null, toJSON honoured), so the canonical JSON of a payload and
 * of its JSON round trip are the same text, and verification of the read-back trail agrees.
 */
export function chainEventRows(analysisId: string, last: { seq: number; hash: string } | null, events: EventInput[]): ChainedEventRow[] {
  let seq = last?.seq ?? 0;
  let prevHash = last?.hash ?? GENESIS_HASH;
  return events.map((event) => {
    seq += 1;
    const hash = computeEventHash(prevHash, { analysisId, seq, type: event.type, at: event.at, payload: event.payload });
    const row: ChainedEventRow = { analysisId, seq, type: event.type, at: event.at, payloadJson: JSON.stringify(event.payload), hash, prevHash };
    prevHash = hash;
    return row;
  });
}

/** Chains new events after the last stored one, payloads as a backend reads them back (a JSON round trip). */
export function chainEvents(analysisId: string, last: { seq: number; hash: string } | null, events: EventInput[]): StoredEvent[] {
  return chainEventRows(analysisId, last, events).map(({ payloadJson, ...row }) => ({
    ...row,
    payload: JSON.parse(payloadJson) as Record<string, unknown>,
  }));
}

/** Verifies a whole trail (all events of one analysis, in seq order, starting at seq 1). */
export function verifyEventChain(events: StoredEvent[]): { ok: true } | { ok: false; brokenAtSeq: number; reason: string } {
  let prevHash = GENESIS_HASH;
  const analysisId = events[0]?.analysisId;
  for (const [index, event] of events.entries()) {
    const expectedSeq = index + 1;
    const broken = (reason: string) => ({ ok: false as const, brokenAtSeq: event.seq, reason });
    if (event.seq !== expectedSeq) return broken(`expected seq ${expectedSeq}, found ${event.seq}`);
    if (event.analysisId !== analysisId) {
      return broken(`event belongs to analysis ${event.analysisId}, not ${String(analysisId)}`);
    }
    if (event.prevHash !== prevHash) {
      return broken(`prevHash ${event.prevHash} does not match the previous event's hash ${prevHash}`);
    }
    const recomputed = computeEventHash(prevHash, event);
    if (event.hash !== recomputed) {
      return broken(`hash ${event.hash} does not match the event's content (expected ${recomputed})`);
    }
    prevHash = event.hash;
  }
  return { ok: true };
}
