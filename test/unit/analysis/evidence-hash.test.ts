import { describe, expect, it } from 'vitest';
import { canonicalJson, evidenceHash, sha256Hex } from '../../../src/analysis/evidence-hash.js';
import type { TickVerdict } from '../../../src/analysis/types.js';
import { healthyMetrics } from './fixtures.js';

describe('canonicalJson', () => {
  it('sorts keys recursively and drops whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } })).toBe('{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it('drops undefined members, writes null for undefined array items and non-finite numbers', () => {
    expect(canonicalJson({ a: undefined, b: Number.NaN, c: [undefined, Number.POSITIVE_INFINITY, -0] })).toBe('{"b":null,"c":[null,null,0]}');
  });

  it('escapes strings and keys as JSON does', () => {
    expect(canonicalJson({ 'k"ey': 'line\nbreak "q"' })).toBe('{"k\\"ey":"line\\nbreak \\"q\\""}');
  });

  it('writes numbers as JSON', () => {
    expect(canonicalJson([1e-7, 1.5, 1e21, -2])).toBe('[1e-7,1.5,1e+21,-2]');
  });
});

/** The definition canonicalJson implements: sort keys recursively, then let JSON.stringify write it. */
function sortedDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedDeep);
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(record)
      .sort()
      .map((key) => [key, sortedDeep(record[key])]),
  );
}

function randomValue(next: () => number, depth: number): unknown {
  const pick = Math.floor(next() * (depth > 3 ? 7 : 9));
  const numbers = [0, -0, 1.5, -2e-9, 1e21, 123456789.125, Number.NaN, Number.POSITIVE_INFINITY];
  const strings = ['', 'a', 'é"\\\n\u2028', 'b', 'Z', 'aa'];
  if (pick === 0) return null;
  if (pick === 1) return next() < 0.5;
  if (pick === 2) return numbers[Math.floor(next() * numbers.length)];
  if (pick === 3) return strings[Math.floor(next() * strings.length)];
  if (pick === 4) return undefined;
  if (pick === 5) return next() * 1000 - 500;
  if (pick === 6) return strings[Math.floor(next() * strings.length)];
  if (pick === 7) return Array.from({ length: Math.floor(next() * 4) }, () => randomValue(next, depth + 1));
  const entries = Array.from({ length: Math.floor(next() * 5) }, () => [strings[Math.floor(next() * strings.length)] ?? '', randomValue(next, depth + 1)]);
  return Object.fromEntries(entries);
}

describe('canonicalJson against its definition', () => {
  it('equals JSON.stringify of the key-sorted value for 2000 seeded random values', () => {
    let seed = 12345;
    const next = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let index = 0; index < 2000; index += 1) {
      const value = { root: randomValue(next, 0) };
      expect(canonicalJson(value)).toBe(JSON.stringify(sortedDeep(value)));
    }
  });
});

describe('sha256Hex', () => {
  it('matches the known digest of "abc"', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('evidenceHash', () => {
  const verdict: Omit<TickVerdict, 'evidenceHash'> = {
    action: 'promote',
    rule: { id: 'healthy', group: 'promote' },
    reason: 'promote rule healthy fired',
    conditions: [{ rule: 'healthy', group: 'promote', text: 'error_rate.change < 10%', truth: 'true', observed: [{ ref: 'error_rate.change', value: 0.01 }] }],
    metrics: healthyMetrics(),
    window: '15m',
    at: '2024-01-01T00:15:00.000Z',
  };

  it('is a sha256 hex digest of the canonical JSON', () => {
    expect(evidenceHash(verdict)).toBe(sha256Hex(canonicalJson(verdict)));
    expect(evidenceHash(verdict)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is stable under key order', () => {
    const reordered = Object.fromEntries(Object.entries(verdict).reverse()) as typeof verdict;
    const metrics = verdict.metrics.map((metric) => Object.fromEntries(Object.entries(metric).reverse()));
    expect(evidenceHash({ ...reordered, metrics } as typeof verdict)).toBe(evidenceHash(verdict));
  });

  it('changes when any value changes', () => {
    const base = evidenceHash(verdict);
    expect(evidenceHash({ ...verdict, window: '16m' })).not.toBe(base);
    const metrics = healthyMetrics();
    (metrics[1] as { canary: number }).canary = 0.0102;
    expect(evidenceHash({ ...verdict, metrics })).not.toBe(base);
  });

  it('freezes the evidence it hashed: the canonical text kept for it cannot go stale', () => {
    const hashed = { ...verdict, metrics: healthyMetrics() };
    evidenceHash(hashed);
    expect(() => hashed.conditions.push({ ...hashed.conditions[0], rule: 'late' } as (typeof hashed.conditions)[number])).toThrow(TypeError);
    expect(() => {
      (hashed.metrics[1] as { canary: number }).canary = 0.5;
    }).toThrow(TypeError);
    // A payload that carries the hashed evidence serializes as a fresh copy of it would.
    const payload = { step: 2, conditions: hashed.conditions, metrics: hashed.metrics, window: hashed.window };
    expect(canonicalJson(payload)).toBe(JSON.stringify(sortedDeep(JSON.parse(JSON.stringify(payload)))));
  });

  it('ignores an evidenceHash already present on the verdict', () => {
    const withHash = { ...verdict, evidenceHash: 'stale' };
    expect(evidenceHash(withHash)).toBe(evidenceHash(verdict));
  });
});
