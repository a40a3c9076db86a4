// The judge blocks of the sequential judges: parsing and validation, shared by both judges.
//
//   judge:
//     type: sequential-count        # or sequential-histogram
//     exposure: requests            # count only: the metric that counts each variant's traffic
//     quantiles: [0.5, 0.9, 0.99]   # histogram only
//     allowedIncrease: 10%          # "10%" or a fraction (0.1); 0 = any increase is a regression
//     alpha: 0.01                   # false-abort bound per step, valid at every tick; default 0.01
//     dispersion: robust            # robust (default) | poisson (only for counts known to be Poisson)

import type { JudgeConfigProblem } from './judge.js';

export type DispersionModel = 'robust' | 'poisson';

export interface SequentialCommonConfig {
  allowedIncrease: number;
  alpha: number;
  dispersion: DispersionModel;
}

export interface SequentialCountConfig extends SequentialCommonConfig {
  exposure: string;
}

export interface SequentialHistogramConfig extends SequentialCommonConfig {
  quantiles: number[];
}

export type Parsed<T> = { ok: true; config: T } | { ok: false; problems: JudgeConfigProblem[] };

export const DEFAULT_ALPHA = 0.01;
const COMMON_KEYS = ['type', 'allowedIncrease', 'alpha', 'dispersion'];
const PERCENT = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*%\s*$/;

function describe(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : JSON.stringify(value) ?? String(value);
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
      problems.push({ path: ['allowedIncrease'], message: `expected a percentage such as "10%" or a fraction ≥ 0 such as 0.1, got ${describe(judge['allowedIncrease'])}` });
    } else allowedIncrease = parsed;
  }

  let alpha = DEFAULT_ALPHA;
  if (judge['alpha'] !== undefined) {
    const value = judge['alpha'];
    if (typeof value !== 'number' || !(value > 0 && value < 1)) {
      problems.push({ path: ['alpha'], message: `expected a number strictly between 0 and 1 (e.g. 0.01), got ${describe(value)}` });
    } else alpha = value;
  }

  let dispersion: DispersionModel = 'robust';
  if (judge['dispersion'] !== undefined) {
    const value = judge['dispersion'];
    if (value !== 'robust' && value !== 'poisson') {
      problems.push({ path: ['dispersion'], message: `expected "robust" or "poisson", got ${describe(value)}` });
    } else dispersion = value;
  }
  return { allowedIncrease, alpha, dispersion };
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
    problems.push({ path: ['exposure'], message: 'required: the name of the metric that counts each variant\'s traffic (e.g. requests)' });
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
