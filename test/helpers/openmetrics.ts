// Generators of OpenMetrics text for backfilling a test Prometheus with deterministic history
// (see startPrometheus in ./prometheus.ts). Times are epoch SECONDS, as in OpenMetrics.
//
// Constraints of `promtool tsdb create-blocks-from openmetrics` (checked on Prometheus 2.42):
// - within one series, samples must come in increasing time order; an out-of-order or duplicate
//   sample is dropped SILENTLY (exit code 0) — the generators below always emit in order;
// - the text must end with "# EOF"; one "# TYPE" block per family (openMetricsDocument merges);
// - counters: family `foo` of type counter has samples `foo_total`; histograms: `foo_bucket{le}`
//   (cumulative, with le="+Inf"), `foo_count`, `foo_sum`.

export type Labels = Record<string, string>;
export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface OpenMetricsFamily {
  /** Family name, without the _total / _bucket suffix. */
  name: string;
  type: MetricType;
  help?: string;
  /** Sample lines, `name{labels} value timestamp`. */
  lines: string[];
}

export interface SampleTimes {
  startSeconds: number;
  /** Inclusive when it falls on a step. */
  endSeconds: number;
  stepSeconds: number;
}

/** startSeconds, startSeconds + step, ... ≤ endSeconds. */
export function sampleTimes({ startSeconds, endSeconds, stepSeconds }: SampleTimes): number[] {
  if (!(stepSeconds > 0)) throw new RangeError(`stepSeconds must be positive, got ${stepSeconds}`);
  const times: number[] = [];
  for (let i = 0; startSeconds + i * stepSeconds <= endSeconds; i += 1) times.push(startSeconds + i * stepSeconds);
  return times;
}

export function formatOpenMetricsNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export function formatOpenMetricsLabels(labels: Labels): string {
  const pairs = Object.entries(labels).map(([key, value]) => `${key}="${escapeLabelValue(value)}"`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

function sampleLine(name: string, labels: Labels, value: number, atSeconds: number): string {
  return `${name}${formatOpenMetricsLabels(labels)} ${formatOpenMetricsNumber(value)} ${atSeconds}`;
}

function familyName(name: string, suffix: string): string {
  return name.endsWith(suffix) ? name.slice(0, -suffix.length) : name;
}

export interface CounterOptions extends SampleTimes {
  /** With or without the _total suffix. */
  name: string;
  labels?: Labels;
  help?: string;
  /** The cumulative value at t; or give ratePerSecondAt instead. */
  valueAt?: (atSeconds: number) => number;
  /** Increase per second over the step ending at t; the counter starts at `initial` (default 0). */
  ratePerSecondAt?: (atSeconds: number) => number;
  initial?: number;
}

export function openMetricsCounter(options: CounterOptions): OpenMetricsFamily {
  const { valueAt, ratePerSecondAt } = options;
  if ((valueAt === undefined) === (ratePerSecondAt === undefined)) {
    throw new Error('openMetricsCounter: give exactly one of valueAt and ratePerSecondAt');
  }
  const family = familyName(options.name, '_total');
  const labels = options.labels ?? {};
  let value = options.initial ?? 0;
  const lines = sampleTimes(options).map((t, index) => {
    if (valueAt) value = valueAt(t);
    else if (ratePerSecondAt && index > 0) value += ratePerSecondAt(t) * options.stepSeconds;
    return sampleLine(`${family}_total`, labels, value, t);
  });
  return { name: family, type: 'counter', ...(options.help ? { help: options.help } : {}), lines };
}

export interface GaugeOptions extends SampleTimes {
  name: string;
  labels?: Labels;
  help?: string;
  valueAt: (atSeconds: number) => number;
}

export function openMetricsGauge(options: GaugeOptions): OpenMetricsFamily {
  const labels = options.labels ?? {};
  const lines = sampleTimes(options).map((t) => sampleLine(options.name, labels, options.valueAt(t), t));
  return { name: options.name, type: 'gauge', ...(options.help ? { help: options.help } : {}), lines };
}

export interface HistogramOptions extends SampleTimes {
  /** With or without the _bucket suffix. */
  name: string;
  labels?: Labels;
  help?: string;
  /** Upper bounds in increasing order, without +Inf. */
  bounds: number[];
  /** Observations per second over the step ending at t. */
  ratePerSecondAt: (atSeconds: number) => number;
  /** Fraction (0..1, non-decreasing in le) of the observations at t that are ≤ le. */
  fractionAtMost: (le: number, atSeconds: number) => number;
  /** Mean observed value at t, for _sum; default: bucket midpoints weighted by their share. */
  meanAt?: (atSeconds: number) => number;
}

function midpointMean(bounds: number[], fractionAtMost: (le: number) => number): number {
  let mean = 0;
  let previousBound = 0;
  let previousFraction = 0;
  for (const bound of bounds) {
    const fraction = fractionAtMost(bound);
    mean += (fraction - previousFraction) * ((previousBound + bound) / 2);
    previousBound = bound;
    previousFraction = fraction;
  }
  return mean + (1 - previousFraction) * previousBound;
}

export function openMetricsHistogram(options: HistogramOptions): OpenMetricsFamily {
  const family = familyName(options.name, '_bucket');
  const labels = options.labels ?? {};
  const bucketCounts = options.bounds.map(() => 0);
  let count = 0;
  let sum = 0;
  const lines: string[] = [];
  for (const [index, t] of sampleTimes(options).entries()) {
    if (index > 0) {
      const observations = options.ratePerSecondAt(t) * options.stepSeconds;
      options.bounds.forEach((bound, i) => {
        bucketCounts[i] = (bucketCounts[i] ?? 0) + observations * options.fractionAtMost(bound, t);
      });
      const mean = options.meanAt ? options.meanAt(t) : midpointMean(options.bounds, (le) => options.fractionAtMost(le, t));
      count += observations;
      sum += observations * mean;
    }
    options.bounds.forEach((bound, i) => {
      lines.push(sampleLine(`${family}_bucket`, { ...labels, le: formatOpenMetricsNumber(bound) }, bucketCounts[i] ?? 0, t));
    });
    lines.push(sampleLine(`${family}_bucket`, { ...labels, le: '+Inf' }, count, t));
    lines.push(sampleLine(`${family}_count`, labels, count, t));
    lines.push(sampleLine(`${family}_sum`, labels, sum, t));
  }
  return { name: family, type: 'histogram', ...(options.help ? { help: options.help } : {}), lines };
}

/** One OpenMetrics document: families of the same name merged under one TYPE line, then "# EOF". */
export function openMetricsDocument(families: OpenMetricsFamily[]): string {
  const merged = new Map<string, OpenMetricsFamily>();
  for (const family of families) {
    const existing = merged.get(family.name);
    if (!existing) {
      merged.set(family.name, { ...family, lines: [...family.lines] });
    } else if (existing.type !== family.type) {
      throw new Error(`metric family ${family.name} is both a ${existing.type} and a ${family.type}`);
    } else {
      existing.lines.push(...family.lines);
    }
  }
  const blocks = [...merged.values()].map((family) => {
    const help = family.help ? [`# HELP ${family.name} ${family.help}`] : [];
    return [...help, `# TYPE ${family.name} ${family.type}`, ...family.lines].join('\n');
  });
  return `${[...blocks, '# EOF'].join('\n')}\n`;
}
