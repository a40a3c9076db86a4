// Reading the baseline's history (range queries, one sample per interval) into the per-interval
// counts the burstiness calibration needs, and choosing the calibration a judge runs with.

import type { Measurement } from '../analysis/types.js';
import { calibrateBurstiness, fixedCalibration, type BurstinessCalibration, type IntervalCount } from './burstiness-calibration.js';
import type { DispersionModel } from './sequential-config.js';
import { parseBucketBound } from './sequential-readings.js';

type Samples = Array<{ at: number; value: number }>;

function samplesOf(measurement: Measurement | undefined): Samples | string {
  if (measurement === undefined) return 'no history was fetched';
  switch (measurement.kind) {
    case 'samples':
      return measurement.samples;
    case 'missing':
      return measurement.reason;
    case 'error':
      return `${measurement.error.kind}: ${measurement.error.message}`;
    default:
      return `the history query returned ${measurement.kind}, not one series over time`;
  }
}

/** Events and exposure per interval, matched by timestamp. */
export function countHistory(events: Measurement | undefined, exposure: Measurement | undefined): IntervalCount[] | string {
  const eventSamples = samplesOf(events);
  if (typeof eventSamples === 'string') return eventSamples;
  const exposureSamples = samplesOf(exposure);
  if (typeof exposureSamples === 'string') return exposureSamples;
  const exposureAt = new Map(exposureSamples.map((sample) => [sample.at, sample.value]));
  return eventSamples.flatMap((sample) => {
    const traffic = exposureAt.get(sample.at);
    return traffic === undefined ? [] : [{ events: sample.value, exposure: traffic }];
  });
}

export interface BucketHistory {
  /** Cumulative count per sample time, by bucket bound; the +Inf bucket is in `totals`. */
  byBound: Map<number, Map<number, number>>;
  totals: Map<number, number>;
}

/** A histogram's history (a matrix with one series per `le`), by bound and sample time, or why it is unusable. */
export function bucketHistory(measurement: Measurement | undefined): BucketHistory | string {
  if (measurement === undefined) return 'no history was fetched';
  if (measurement.kind === 'missing') return measurement.reason;
  if (measurement.kind === 'error') return `${measurement.error.kind}: ${measurement.error.message}`;
  if (measurement.kind !== 'matrix') return `the history query returned ${measurement.kind}, not one series per bucket`;
  const byBound = new Map<number, Map<number, number>>();
  for (const series of measurement.series) {
    const label = series.labels['le'];
    const bound = label === undefined ? null : parseBucketBound(label);
    if (bound === null) return 'a history series has no usable "le" label';
    byBound.set(bound, new Map(series.samples.map((sample) => [sample.at, sample.value])));
  }
  const totals = byBound.get(Infinity);
  if (totals === undefined) return 'the history has no le="+Inf" bucket';
  byBound.delete(Infinity);
  return { byBound, totals };
}

/** Per finite bucket bound: the requests slower than it (exposure: all requests) per interval. */
export function tailHistories(measurement: Measurement | undefined): Map<number, IntervalCount[]> | string {
  const history = bucketHistory(measurement);
  if (typeof history === 'string') return history;
  const { byBound, totals } = history;
  const tails = new Map<number, IntervalCount[]>();
  for (const [bound, counts] of byBound) {
    const intervals: IntervalCount[] = [];
    for (const [at, total] of totals) {
      const below = counts.get(at);
      if (below !== undefined) intervals.push({ events: Math.max(0, total - below), exposure: total });
    }
    tails.set(bound, intervals);
  }
  return tails;
}

/** The calibration a judge runs with, from its dispersion model and (calibrated) its history. */
export function chooseCalibration(
  config: { dispersion: DispersionModel; assumedBurstiness: number },
  history: readonly IntervalCount[] | string,
  alpha: number,
): BurstinessCalibration {
  const model = config.dispersion;
  if (model === 'poisson') return fixedCalibration('poisson', 'dispersion: poisson (counts assumed Poisson)');
  if (model === 'robust') return fixedCalibration('robust', 'dispersion: robust (worst-case burstiness)');
  if (typeof history === 'string') return fixedCalibration('no-history', `no usable history (${history}); worst-case burstiness`);
  return calibrateBurstiness(history, alpha, config.assumedBurstiness);
}
