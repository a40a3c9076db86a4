// One metric's stats for one tick, from the measurements of both variants.

import type { StatLookup } from './conditions/evaluate.js';
import type { Measurement, MetricResult, MetricSpec, RenderedQueries, Series, Variant } from './types.js';

/**
 * How a judge (src/stats) takes part: called for every metric; a non-null answer is merged over the
 * scalar stats. For shapes only a judge understands (vectors, samples) it replaces the "wrong shape"
 * error; a failed query stays an error whatever the judge says.
 */
export type MetricJudgeHook = (spec: MetricSpec, baseline: Measurement, canary: Measurement) => Partial<MetricResult> | null;

const LISTED_SERIES = 5;

type SideReading =
  | { status: 'value'; value: number }
  | { status: 'missing'; message: string }
  | { status: 'source-error'; message: string }
  | { status: 'wrong-shape'; message: string };

function formatLabels(labels: Record<string, string>): string {
  const pairs = Object.keys(labels)
    .sort()
    .map((name) => `${name}=${JSON.stringify(labels[name])}`);
  return `{${pairs.join(',')}}`;
}

function describeSeries(series: Series[]): string {
  const listed = series.slice(0, LISTED_SERIES).map((one) => formatLabels(one.labels));
  const more = series.length > LISTED_SERIES ? ` and ${series.length - LISTED_SERIES} more` : '';
  return `${listed.join(', ')}${more}`;
}

function readSide(measurement: Measurement): SideReading {
  switch (measurement.kind) {
    case 'value':
      return Number.isFinite(measurement.value)
        ? { status: 'value', value: measurement.value }
        : { status: 'missing', message: `value is ${measurement.value}` };
    case 'missing':
      return { status: 'missing', message: measurement.reason };
    case 'error':
      return { status: 'source-error', message: `${measurement.error.kind}: ${measurement.error.message}` };
    case 'vector': {
      const { series } = measurement;
      if (series.length === 0) return { status: 'missing', message: 'query returned no series' };
      if (series.length === 1) return readSide({ kind: 'value', value: (series[0] as Series).value });
      return {
        status: 'wrong-shape',
        message: `query returned ${series.length} series where one was expected: ${describeSeries(series)}`,
      };
    }
    case 'samples':
      return {
        status: 'wrong-shape',
        message: `query returned ${measurement.samples.length} samples over time where one value was expected`,
      };
    case 'matrix':
      return { status: 'wrong-shape', message: `query returned ${measurement.series.length} series over time where one value was expected` };
  }
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

export function buildMetricResult(
  spec: MetricSpec,
  baseline: Measurement,
  canary: Measurement,
  queries: RenderedQueries,
  judgeHook?: MetricJudgeHook,
): MetricResult {
  const sides: Array<[Variant, SideReading]> = [
    ['baseline', readSide(baseline)],
    ['canary', readSide(canary)],
  ];
  const judged = judgeHook?.(spec, baseline, canary) ?? null;
  // A judge's answer replaces the "wrong shape" error for shapes it understands.
  const problems = sides.flatMap(([variant, side]) =>
    side.status === 'value' || (side.status === 'wrong-shape' && judged !== null) ? [] : [{ variant, side }],
  );

  const numberOf = (side: SideReading): number | null => (side.status === 'value' ? side.value : null);
  const b = numberOf(sides[0]?.[1] as SideReading);
  const c = numberOf(sides[1]?.[1] as SideReading);
  const both = b !== null && c !== null;

  const result: MetricResult = {
    name: spec.name,
    baseline: b,
    canary: c,
    delta: both ? finiteOrNull(c - b) : null,
    change: both && b !== 0 ? finiteOrNull((c - b) / Math.abs(b)) : null,
    ratio: both && b !== 0 ? finiteOrNull(c / b) : null,
    missing: problems.some(({ side }) => side.status === 'missing'),
    error: problems.some(({ side }) => side.status !== 'missing'),
    queries,
  };
  if (problems.length > 0) {
    result.message = problems.map(({ variant, side }) => `${variant}: ${side.message}`).join('; ');
  }
  if (spec.judge !== undefined) {
    result.regressed = null;
    result.improved = null;
    result.p_value = null;
  }
  if (judged === null) return result;

  const sourceFailed = sides.some(([, side]) => side.status === 'source-error');
  const merged: MetricResult = { ...result, ...judged, name: spec.name, queries };
  if (sourceFailed && !merged.error) {
    merged.error = true;
    merged.message = result.message;
  }
  return merged;
}

const STAT_FIELDS = {
  baseline: 'baseline',
  canary: 'canary',
  delta: 'delta',
  change: 'change',
  ratio: 'ratio',
  missing: 'missing',
  error: 'error',
  regressed: 'regressed',
  improved: 'improved',
  p_value: 'p_value',
} as const satisfies Record<string, keyof MetricResult>;

function isStatName(stat: string): stat is keyof typeof STAT_FIELDS {
  return Object.hasOwn(STAT_FIELDS, stat);
}

/** Reads `metric.stat` from this tick's results; undefined for an unknown metric or stat. */
export function statLookupFor(results: MetricResult[]): StatLookup {
  const byName = new Map(results.map((result) => [result.name, result]));
  return (metric, stat) => {
    const result = byName.get(metric);
    if (result === undefined || !isStatName(stat)) return undefined;
    return result[STAT_FIELDS[stat]];
  };
}
