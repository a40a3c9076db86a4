// Just enough of the Prometheus text exposition format to read counters and histograms, and the
// arithmetic the benchmark does with them (deltas between two scrapes, bucket quantiles).

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE_LINE.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const label of (match[2] ?? '').matchAll(LABEL)) labels[label[1] as string] = (label[2] as string).replace(/\\(.)/g, '$1');
    const raw = match[3] as string;
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw);
    samples.push({ name: match[1] as string, labels, value });
  }
  return samples;
}

function matches(sample: Sample, name: string, where: Record<string, string | RegExp>): boolean {
  if (sample.name !== name) return false;
  return Object.entries(where).every(([key, wanted]) => {
    const actual = sample.labels[key];
    if (actual === undefined) return false;
    return typeof wanted === 'string' ? actual === wanted : wanted.test(actual);
  });
}

/** The sum of every sample of `name` whose labels match. */
export function sumOf(samples: readonly Sample[], name: string, where: Record<string, string | RegExp> = {}): number {
  let total = 0;
  for (const sample of samples) if (matches(sample, name, where)) total += sample.value;
  return total;
}

export interface HistogramSnapshot {
  /** Upper bounds ascending, +Inf last; cumulative counts. */
  buckets: Array<{ le: number; count: number }>;
  sum: number;
  count: number;
}

/** A histogram summed over every label set that matches (e.g. all templates). */
export function histogramOf(samples: readonly Sample[], name: string, where: Record<string, string | RegExp> = {}): HistogramSnapshot {
  const byBound = new Map<number, number>();
  for (const sample of samples) {
    if (!matches(sample, `${name}_bucket`, where)) continue;
    const le = sample.labels.le === '+Inf' ? Infinity : Number(sample.labels.le);
    byBound.set(le, (byBound.get(le) ?? 0) + sample.value);
  }
  const buckets = [...byBound.entries()].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
  return { buckets, sum: sumOf(samples, `${name}_sum`, where), count: sumOf(samples, `${name}_count`, where) };
}

/** What was observed between two snapshots of the same histogram. */
export function histogramDelta(before: HistogramSnapshot, after: HistogramSnapshot): HistogramSnapshot {
  const earlier = new Map(before.buckets.map((bucket) => [bucket.le, bucket.count]));
  return {
    buckets: after.buckets.map((bucket) => ({ le: bucket.le, count: bucket.count - (earlier.get(bucket.le) ?? 0) })),
    sum: after.sum - before.sum,
    count: after.count - before.count,
  };
}

/**
 * The q-quantile the way PromQL's histogram_quantile estimates it: linear within the bucket that
 * holds it; the highest finite bound when it falls into +Inf; null without observations.
 */
export function histogramQuantile(histogram: HistogramSnapshot, q: number): number | null {
  const total = histogram.buckets.at(-1)?.count ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let previousBound = 0;
  let previousCount = 0;
  for (const bucket of histogram.buckets) {
    if (bucket.count >= rank) {
      if (bucket.le === Infinity) return previousBound;
      const inBucket = bucket.count - previousCount;
      if (inBucket <= 0) return bucket.le;
      return previousBound + (bucket.le - previousBound) * ((rank - previousCount) / inBucket);
    }
    previousBound = bucket.le;
    previousCount = bucket.count;
  }
  return previousBound;
}
