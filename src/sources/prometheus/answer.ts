// Parsing of the JSON answers of /api/v1/query and /api/v1/query_range (shared by Prometheus,
// Thanos, Mimir/Cortex and VictoriaMetrics) into Measurements. Pure: text in, data out.

import type { Measurement, Series } from '../../analysis/types.js';
import type { InstantQueryOptions } from '../types.js';
import { classifyApiError } from './errors.js';
import { formatSeriesList, snippet, type SourceFailure } from './messages.js';

export type DataMeasurement = Exclude<Measurement, { kind: 'error' }>;

export type ParsedAnswer = { ok: true; measurement: DataMeasurement; warnings: string[] } | { ok: false; failure: SourceFailure };

type Labels = Record<string, string>;
interface Sample {
  at: number;
  value: number;
}

/** Thrown only inside this module, to leave a deep shape check early; never escapes it. */
class ShapeError extends Error {}

const NUMBER_PATTERN = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INFINITY_PATTERN = /^([+-]?)inf(?:inity)?$/i;

/** Prometheus encodes sample values as strings: "1.5", "1e-3", "NaN", "+Inf", "-Inf". */
export function parseSampleValue(raw: unknown): number | null {
  if (typeof raw !== 'string') return null;
  if (/^nan$/i.test(raw)) return Number.NaN;
  const infinity = INFINITY_PATTERN.exec(raw);
  if (infinity) return infinity[1] === '-' ? -Infinity : Infinity;
  return NUMBER_PATTERN.test(raw) ? Number(raw) : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function malformed(detail: string): ParsedAnswer {
  return { ok: false, failure: { kind: 'malformed-answer', detail: `malformed answer: ${detail}` } };
}

function readSample(raw: unknown, where: string): Sample {
  if (!Array.isArray(raw) || raw.length !== 2) throw new ShapeError(`${where} is not a [time, value] pair`);
  const [time, text] = raw as [unknown, unknown];
  if (typeof time !== 'number' || !Number.isFinite(time)) throw new ShapeError(`${where} has a non-numeric time`);
  const value = parseSampleValue(text);
  if (value === null) throw new ShapeError(`${where} has a non-numeric value ${JSON.stringify(text)}`);
  return { at: Math.round(time * 1000), value };
}

function readLabels(raw: unknown, where: string): Labels {
  if (!isRecord(raw)) throw new ShapeError(`${where} has no "metric" object`);
  const labels: Labels = {};
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value !== 'string') throw new ShapeError(`${where} has a non-string label ${key}`);
    labels[key] = value;
  }
  return labels;
}

function nativeHistogramFailure(where: string): SourceFailure {
  return {
    kind: 'rejected-query',
    detail: `${where} is a native histogram, not a number; wrap it in histogram_quantile(), histogram_count() or similar`,
  };
}

function readVector(result: unknown): Series[] | SourceFailure {
  if (!Array.isArray(result)) throw new ShapeError('data.result of a vector is not a list');
  const series: Series[] = [];
  for (const [index, item] of result.entries()) {
    const where = `series ${index + 1}`;
    if (!isRecord(item)) throw new ShapeError(`${where} is not an object`);
    if (item.value === undefined && item.histogram !== undefined) return nativeHistogramFailure(where);
    series.push({ labels: readLabels(item.metric, where), value: readSample(item.value, `${where}'s value`).value });
  }
  return series;
}

function readMatrix(result: unknown): Array<{ labels: Labels; samples: Sample[] }> | SourceFailure {
  if (!Array.isArray(result)) throw new ShapeError('data.result of a matrix is not a list');
  const series: Array<{ labels: Labels; samples: Sample[] }> = [];
  for (const [index, item] of result.entries()) {
    const where = `series ${index + 1}`;
    if (!isRecord(item)) throw new ShapeError(`${where} is not an object`);
    if (item.values === undefined && item.histograms !== undefined) return nativeHistogramFailure(where);
    if (!Array.isArray(item.values)) throw new ShapeError(`${where} has no "values" list`);
    const samples = item.values.map((pair, i) => readSample(pair, `${where}'s sample ${i + 1}`));
    series.push({ labels: readLabels(item.metric, where), samples });
  }
  return series;
}

function isFailure(value: unknown): value is SourceFailure {
  return isRecord(value) && typeof value.kind === 'string' && typeof value.detail === 'string';
}

function severalSeries(labels: Labels[]): SourceFailure {
  return {
    kind: 'several-series',
    detail: `query returned ${labels.length} series where one was expected: ${formatSeriesList(labels)}`,
  };
}

const NO_SERIES: DataMeasurement = { kind: 'missing', reason: 'no series' };

interface SuccessEnvelope {
  resultType: string;
  result: unknown;
  warnings: string[];
}

/** Checks the {status, data: {resultType, result}} envelope; API errors become failures. */
function openEnvelope(text: string): SuccessEnvelope | SourceFailure {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { kind: 'malformed-answer', detail: `malformed answer: not JSON: ${snippet(text)}` };
  }
  if (!isRecord(body)) return { kind: 'malformed-answer', detail: `malformed answer: not a JSON object: ${snippet(text)}` };
  if (body.status === 'error') return classifyApiError(body.errorType, body.error);
  if (body.status !== 'success') {
    return { kind: 'malformed-answer', detail: `malformed answer: status is ${JSON.stringify(body.status ?? null)}` };
  }
  const data = body.data;
  if (!isRecord(data) || typeof data.resultType !== 'string') {
    return { kind: 'malformed-answer', detail: 'malformed answer: missing data.resultType' };
  }
  const warnings = Array.isArray(body.warnings) ? body.warnings.filter((w): w is string => typeof w === 'string') : [];
  return { resultType: data.resultType, result: data.result, warnings };
}

function withShapeCheck(parse: () => ParsedAnswer): ParsedAnswer {
  try {
    return parse();
  } catch (error) {
    if (error instanceof ShapeError) return malformed(error.message);
    throw error;
  }
}

/** The answer of /api/v1/query. */
export function parseInstantAnswer(text: string, options: InstantQueryOptions = { expect: 'single' }): ParsedAnswer {
  const envelope = openEnvelope(text);
  if (isFailure(envelope)) return { ok: false, failure: envelope };
  const { resultType, result, warnings } = envelope;
  const done = (measurement: DataMeasurement): ParsedAnswer => ({ ok: true, measurement, warnings });

  return withShapeCheck(() => {
    if (resultType === 'scalar') {
      const { value } = readSample(result, 'the scalar');
      return done(options.expect === 'single' ? { kind: 'value', value } : { kind: 'vector', series: [{ labels: {}, value }] });
    }
    if (resultType === 'vector') {
      const series = readVector(result);
      if (isFailure(series)) return { ok: false, failure: series };
      if (series.length === 0) return done(NO_SERIES);
      if (options.expect === 'vector') return done({ kind: 'vector', series });
      const [only] = series;
      if (series.length === 1 && only) return done({ kind: 'value', value: only.value });
      return { ok: false, failure: severalSeries(series.map((s) => s.labels)) };
    }
    if (resultType === 'matrix' || resultType === 'string') {
      const what = resultType === 'matrix' ? 'a range vector' : 'a string';
      return {
        ok: false,
        failure: { kind: 'rejected-query', detail: `query returns ${what}; expected an instant vector or a scalar` },
      };
    }
    return malformed(`unknown resultType ${JSON.stringify(resultType)}`);
  });
}

/** The answer of /api/v1/query_range: one series → samples, sorted by time. */
export function parseRangeAnswer(text: string, options: InstantQueryOptions = { expect: 'single' }): ParsedAnswer {
  const envelope = openEnvelope(text);
  if (isFailure(envelope)) return { ok: false, failure: envelope };
  const { resultType, result, warnings } = envelope;
  if (resultType !== 'matrix') return malformed(`a range query answered resultType ${JSON.stringify(resultType)}, not "matrix"`);

  return withShapeCheck(() => {
    const series = readMatrix(result);
    if (isFailure(series)) return { ok: false, failure: series };
    const [only] = series;
    if (!only) return { ok: true, measurement: NO_SERIES, warnings };
    if (options.expect === 'vector') {
      const sorted = series.map((item) => ({ labels: item.labels, samples: [...item.samples].sort((a, b) => a.at - b.at) }));
      return { ok: true, measurement: { kind: 'matrix', series: sorted }, warnings };
    }
    if (series.length > 1) return { ok: false, failure: severalSeries(series.map((s) => s.labels)) };
    if (only.samples.length === 0) return { ok: true, measurement: { kind: 'missing', reason: 'no samples' }, warnings };
    const samples = [...only.samples].sort((a, b) => a.at - b.at);
    return { ok: true, measurement: { kind: 'samples', samples }, warnings };
  });
}
