// Reading the measurements the sequential judges need: one count per variant, or one histogram
// (cumulative bucket counts by `le`) per variant. Anything that does not fit is a Problem with a
// message for people, never an exception.

import type { Measurement, Series } from '../analysis/types.js';
import type { VariantMeasurements } from './judge.js';

export interface Problem {
  /** missing: no data (yet); error: the query failed or returned the wrong shape. */
  kind: 'missing' | 'error';
  message: string;
}

export type Reading<T> = { ok: true; value: T } | { ok: false; problem: Problem };

export interface PerVariant<T> {
  baseline: T;
  canary: T;
}

const fail = <T>(kind: Problem['kind'], message: string): Reading<T> => ({ ok: false, problem: { kind, message } });

/** A count (e.g. increase() since the step began): a finite number ≥ 0. */
export function readCount(measurement: Measurement, what: string): Reading<number> {
  switch (measurement.kind) {
    case 'value': {
      const { value } = measurement;
      if (!Number.isFinite(value)) return fail('missing', `${what} is ${value}`);
      if (value < 0) return fail('error', `${what} is ${value}: a count must not be negative (use increase() on a counter)`);
      return { ok: true, value };
    }
    case 'vector': {
      const { series } = measurement;
      if (series.length === 0) {
        return fail('missing', `${what}: the query returned no series (if no event yields no series, append "or vector(0)")`);
      }
      if (series.length > 1) return fail('error', `${what}: the query returned ${series.length} series where one count was expected`);
      return readCount({ kind: 'value', value: (series[0] as Series).value }, what);
    }
    case 'samples':
    case 'matrix':
      return fail('error', `${what}: the query returned samples over time where one count was expected`);
    case 'missing':
      return fail('missing', `${what}: ${measurement.reason}`);
    case 'error':
      return fail('error', `${what}: ${measurement.error.kind}: ${measurement.error.message}`);
  }
}

export function readCounts(measurements: VariantMeasurements, what: string): Reading<PerVariant<number>> {
  const baseline = readCount(measurements.baseline, `${what} (baseline)`);
  const canary = readCount(measurements.canary, `${what} (canary)`);
  if (!baseline.ok) return baseline;
  if (!canary.ok) return canary;
  return { ok: true, value: { baseline: baseline.value, canary: canary.value } };
}

/** Cumulative bucket counts: finite upper bounds ascending, counts non-decreasing; total = the +Inf bucket. */
export interface Histogram {
  bounds: number[];
  cumulative: number[];
  total: number;
}

/** A bucket's `le` label as a number (+Inf included), or null when it is not one. */
export function parseBucketBound(text: string): number | null {
  const trimmed = text.trim();
  if (/^\+?inf$/i.test(trimmed)) return Infinity;
  const value = Number(trimmed);
  return trimmed !== '' && Number.isFinite(value) ? value : null;
}

/** One variant's histogram from a vector with one series per `le`. */
export function readHistogram(measurement: Measurement, what: string): Reading<Histogram> {
  if (measurement.kind === 'missing') return fail('missing', `${what}: ${measurement.reason}`);
  if (measurement.kind === 'error') return fail('error', `${what}: ${measurement.error.kind}: ${measurement.error.message}`);
  if (measurement.kind !== 'vector') {
    const got = measurement.kind === 'value' ? 'a single number' : 'samples over time';
    return fail(
      'error',
      `${what}: sequential-histogram needs one series per bucket, e.g. sum by (le) (increase(…_bucket[{{ window }}])); the query returned ${got}`,
    );
  }
  if (measurement.series.length === 0) return fail('missing', `${what}: the query returned no series`);
  const buckets = new Map<number, number>();
  for (const series of measurement.series) {
    const label = series.labels['le'];
    if (label === undefined) return fail('error', `${what}: a series has no "le" label; keep it with sum by (le) (…)`);
    const bound = parseBucketBound(label);
    if (bound === null) return fail('error', `${what}: le="${label}" is not a bucket bound`);
    if (buckets.has(bound)) return fail('error', `${what}: two series with le="${label}"; aggregate with sum by (le) (…)`);
    if (!Number.isFinite(series.value)) return fail('missing', `${what}: bucket le="${label}" is ${series.value}`);
    if (series.value < 0) return fail('error', `${what}: bucket le="${label}" is ${series.value}; counts must not be negative`);
    buckets.set(bound, series.value);
  }
  const total = buckets.get(Infinity);
  if (total === undefined) return fail('error', `${what}: no le="+Inf" bucket, so the total count is unknown`);
  const bounds = [...buckets.keys()].filter((bound) => bound !== Infinity).sort((a, b) => a - b);
  if (bounds.length === 0) return fail('error', `${what}: only the +Inf bucket; a histogram needs finite bucket bounds`);
  // increase() extrapolates each bucket on its own, so cumulative counts can dip slightly: take running maxima.
  let running = 0;
  const cumulative = bounds.map((bound) => (running = Math.max(running, buckets.get(bound) as number)));
  return { ok: true, value: { bounds, cumulative, total: Math.max(running, total) } };
}

/** Restricts a histogram to the given bounds (which it must contain). */
function restrict(histogram: Histogram, bounds: readonly number[]): Histogram {
  const index = new Map(histogram.bounds.map((bound, i) => [bound, i]));
  return { bounds: [...bounds], cumulative: bounds.map((bound) => histogram.cumulative[index.get(bound) as number] as number), total: histogram.total };
}

/** Both variants on their common bucket bounds. */
export function readHistograms(measurements: VariantMeasurements, what: string): Reading<PerVariant<Histogram>> {
  const baseline = readHistogram(measurements.baseline, `${what} (baseline)`);
  const canary = readHistogram(measurements.canary, `${what} (canary)`);
  if (!baseline.ok) return baseline;
  if (!canary.ok) return canary;
  const canaryBounds = new Set(canary.value.bounds);
  const common = baseline.value.bounds.filter((bound) => canaryBounds.has(bound));
  if (common.length === 0) return fail('error', `${what}: baseline and canary histograms share no bucket bound`);
  return { ok: true, value: { baseline: restrict(baseline.value, common), canary: restrict(canary.value, common) } };
}

/**
 * Count at or below `x`, interpolating linearly inside the bucket that contains x (as
 * histogram_quantile does; the first bucket starts at 0 when its bound is positive).
 */
export function countAtOrBelow(histogram: Histogram, x: number): number {
  const { bounds, cumulative } = histogram;
  let lowerBound = 0;
  let lowerCount = 0;
  for (let k = 0; k < bounds.length; k++) {
    const bound = bounds[k] as number;
    const count = cumulative[k] as number;
    if (x <= bound) {
      if (k === 0 && bound <= 0) return x === bound ? count : 0;
      if (x <= lowerBound) return lowerCount;
      return lowerCount + ((count - lowerCount) * (x - lowerBound)) / (bound - lowerBound);
    }
    lowerBound = bound;
    lowerCount = count;
  }
  return lowerCount;
}

/** The q-quantile by linear interpolation inside buckets; null when it lies in the +Inf bucket or there is no data. */
export function interpolatedQuantile(histogram: Histogram, quantile: number): number | null {
  const { bounds, cumulative, total } = histogram;
  if (!(total > 0)) return null;
  const rank = quantile * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (let k = 0; k < bounds.length; k++) {
    const bound = bounds[k] as number;
    const count = cumulative[k] as number;
    if (count >= rank) {
      if (k === 0 && bound <= 0) return bound;
      if (count === lowerCount) return bound;
      return lowerBound + ((bound - lowerBound) * (rank - lowerCount)) / (count - lowerCount);
    }
    lowerBound = bound;
    lowerCount = count;
  }
  return null;
}
