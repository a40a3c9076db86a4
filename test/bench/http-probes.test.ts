import { describe, expect, it } from 'vitest';
import { combineSlices, type RouteLoad } from '../../bench/daemon-load/http-probes.js';

function slice(fromMs: number, requests: number, p50: number, p99: number): RouteLoad {
  return {
    fromMs,
    toMs: fromMs + 1_000,
    slices: [{ fromMs, toMs: fromMs + 1_000 }],
    ticksPerSecond: null,
    requestsPerSecond: requests,
    latencyMs: { p50, p99, max: p99 + 1 },
    requests,
    errors: 0,
    non2xx: requests === 0 ? 0 : 1,
  };
}

describe('the verdict load’s 1-second slices', () => {
  it('add up to requests per second over all slices, keep every slice, and report the worst p99', () => {
    const combined = combineSlices([slice(0, 30_000, 0, 2), slice(2_000, 10_000, 1, 9), slice(4_000, 20_000, 0, 3)]);
    expect(combined.requests).toBe(60_000);
    expect(combined.requestsPerSecond).toBeCloseTo(20_000, 6);
    expect(combined.slices.map((part) => part.fromMs)).toEqual([0, 2_000, 4_000]);
    expect([combined.fromMs, combined.toMs]).toEqual([0, 5_000]);
    expect(combined.latencyMs).toEqual({ p50: 0, p99: 9, max: 10 });
    expect(combined.non2xx).toBe(3);
  });

  it('refuses to combine nothing', () => {
    expect(() => combineSlices([])).toThrow('no slice to combine');
  });
});
