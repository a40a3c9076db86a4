// The judge blocks of the sequential judges: parsing and validation, shared by both judges.
//
//   judge:
//     type: sequential-count        # or sequential-histogram
//     exposure: requests            # count only: the metric that counts each variant's traffic
//     quantiles: [0.5, 0.9, 0.99]   # histogram only
//     allowedIncrease: 10%          # "10%" or a fraction (0.1); 0 = any increase is a regression
//     alpha: 0.01                   # false-abort bound for the whole analysis, valid at every tick; default 0.01
//     dispersion: calibrated        # calibrated (default): burstiness bound learnt from the baseline's history
//                                   # robust: worst-case burstiness | poisson: only for counts known to be Poisson
//     history: 6h                   # calibrated only: how much of the baseline's past to learn from
//     assumedBurstiness: 0.5        # calibrated only: the CV² assumed when the history has too few events

import { formatDuration, parseDuration } from '../analysis/duration.js';
import { DEFAULT_ASSUMED_BURSTINESS } from './burstiness-calibration.js';
import type { JudgeConfigProblem } from './judge.js';

export type DispersionModel = 'calibrated' | 'robust' | 'poisson';
export const DISPERSION_MODELS: readonly DispersionModel[] = ['calibrated', 'robust', 'poisson'];

export interface SequentialCommonConfig {
  allowedIncrease: number;
  alpha: number;
  dispersion: DispersionModel;
  /** The pre-period the calibrated model learns burstiness from, in ms (0 for the other models). */
  historyMs: number;
  /** The burstiness bound (CV²) assumed when the history is too quiet to show it. */
  assumedBurstiness: number;
}

export const DEFAULT_HISTORY_MS = 6 * 3600_000;
const MIN_HISTORY_MS = 60_000;
const MAX_HISTORY_MS = 7 * 24 * 3600_000;

export interface SequentialCountConfig extends SequentialCommonConfig {
  exposure: string;
}

export interface SequentialHistogramConfig extends SequentialCommonConfig {
  quantiles: number[];
}

export type Parsed<T> = { ok: true; config: T } | { ok: false; problems: JudgeConfigProblem[] };

export const DEFAULT_ALPHA = 0.01;
const COMMON_KEYS = ['type', 'allowedIncrease', 'alpha', 'dispersion', 'history', 'assumedBurstiness'];
const MAX_ASSUMED_BURSTINESS = 4;
const PERCENT = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*%\s*$/;

function describe(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : (JSON.stringify(value) ?? String(value));
}

/** "10%" → 0.1, 0.1 → 0.1; null when neither a percentage nor a finite number ≥ 0. */
export function parseAllowedIncrease(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : null;
  if (typeof value === 'string') {
    const match = PERCENT.exec(value);
    return match ? Number(match[1]) / 100 : null;
  }
  return null;
}

function parseCommon(judge: Record<string, unknown>, extraKeys: readonly string[], problems: JudgeConfigProblem[]): SequentialCommonConfig {
  const known = [...COMMON_KEYS, ...extraKeys];
  for (const key of Object.keys(judge)) {
    if (!known.includes(key)) problems.push({ path: [key], message: `unknown key "${key}" (known: ${known.join(', ')})` });
  }

  let allowedIncrease = 0;
  if (judge['allowedIncrease'] !== undefined) {
    const parsed = parseAllowedIncrease(judge['allowedIncrease']);
    if (parsed === null) {
      problems.push({
        path: ['allowedIncrease'],
        message: `expected a percentage such as "10%" or a fraction ≥ 0 such as 0.1, got ${describe(judge['allowedIncrease'])}`,
      });
    } else allowedIncrease = parsed;
  }

  let alpha = DEFAULT_ALPHA;
  if (judge['alpha'] !== undefined) {
    const value = judge['alpha'];
    if (typeof value !== 'number' || !(value > 0 && value < 1)) {
      problems.push({ path: ['alpha'], message: `expected a number strictly between 0 and 1 (e.g. 0.01), got ${describe(value)}` });
    } else alpha = value;
  }

  let dispersion: DispersionModel = 'calibrated';
  if (judge['dispersion'] !== undefined) {
    const value = judge['dispersion'];
    const known = DISPERSION_MODELS.find((model) => model === value);
    if (known === undefined) {
      problems.push({ path: ['dispersion'], message: `expected one of ${DISPERSION_MODELS.map((model) => `"${model}"`).join(', ')}, got ${describe(value)}` });
    } else dispersion = known;
  }

  let historyMs = DEFAULT_HISTORY_MS;
  if (judge['history'] !== undefined) {
    const value = judge['history'];
    const parsed = typeof value === 'string' ? parseDuration(value) : null;
    if (parsed === null || parsed < MIN_HISTORY_MS || parsed > MAX_HISTORY_MS) {
      problems.push({
        path: ['history'],
        message: `expected a duration from ${formatDuration(MIN_HISTORY_MS)} to ${formatDuration(MAX_HISTORY_MS)} such as "6h", got ${describe(value)}`,
      });
    } else if (dispersion !== 'calibrated') {
      problems.push({ path: ['history'], message: `only the calibrated dispersion model reads history (dispersion is "${dispersion}")` });
    } else historyMs = parsed;
  }
  let assumedBurstiness = DEFAULT_ASSUMED_BURSTINESS;
  if (judge['assumedBurstiness'] !== undefined) {
    const value = judge['assumedBurstiness'];
    if (typeof value !== 'number' || !(value >= 0 && value <= MAX_ASSUMED_BURSTINESS)) {
      problems.push({
        path: ['assumedBurstiness'],
        message: `expected a number from 0 to ${MAX_ASSUMED_BURSTINESS} (a CV² such as 0.5), got ${describe(value)}`,
      });
    } else if (dispersion !== 'calibrated') {
      problems.push({ path: ['assumedBurstiness'], message: `only the calibrated dispersion model assumes a burstiness (dispersion is "${dispersion}")` });
    } else assumedBurstiness = value;
  }
  return { allowedIncrease, alpha, dispersion, historyMs: dispersion === 'calibrated' ? historyMs : 0, assumedBurstiness };
}

/**
 * The judge block of a sequential-count metric. `selfName` (the judged metric's own name) lets
 * validation refuse an exposure that names the metric itself.
 */
export function parseSequentialCountConfig(
  judge: Record<string, unknown>,
  metricNames: readonly string[] | null,
  selfName?: string,
): Parsed<SequentialCountConfig> {
  const problems: JudgeConfigProblem[] = [];
  const common = parseCommon(judge, ['exposure'], problems);
  const exposure = judge['exposure'];
  if (exposure === undefined) {
    problems.push({ path: ['exposure'], message: "required: the name of the metric that counts each variant's traffic (e.g. requests)" });
  } else if (typeof exposure !== 'string' || exposure.length === 0) {
    problems.push({ path: ['exposure'], message: `expected a metric name, got ${describe(exposure)}` });
  } else if (selfName !== undefined && exposure === selfName) {
    problems.push({ path: ['exposure'], message: `names the judged metric itself; it must name the metric that counts the traffic` });
  } else if (metricNames !== null && !metricNames.includes(exposure)) {
    problems.push({ path: ['exposure'], message: `names no metric of this template: "${exposure}" (metrics: ${metricNames.join(', ')})` });
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, config: { ...common, exposure: exposure as string } };
}

export function parseSequentialHistogramConfig(judge: Record<string, unknown>): Parsed<SequentialHistogramConfig> {
  const problems: JudgeConfigProblem[] = [];
  const common = parseCommon(judge, ['quantiles'], problems);
  const value = judge['quantiles'];
  const quantiles: number[] = [];
  if (value === undefined) {
    problems.push({ path: ['quantiles'], message: 'required: a list of quantiles in (0, 1), e.g. [0.5, 0.9, 0.99]' });
  } else if (!Array.isArray(value) || value.length === 0) {
    problems.push({ path: ['quantiles'], message: `expected a non-empty list of quantiles in (0, 1), got ${describe(value)}` });
  } else {
    value.forEach((item: unknown, index) => {
      if (typeof item !== 'number' || !(item > 0 && item < 1)) {
        problems.push({ path: ['quantiles', index], message: `expected a quantile strictly between 0 and 1, got ${describe(item)}` });
      } else if (quantiles.includes(item)) {
        problems.push({ path: ['quantiles', index], message: `duplicate quantile ${item}` });
      } else quantiles.push(item);
    });
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, config: { ...common, quantiles } };
}

/** "p99", "p99.9", "p50": how a quantile is named in evidence details. */
export function quantileLabel(quantile: number): string {
  return `p${Number((quantile * 100).toPrecision(6))}`;
}
