// The `mann-whitney` judge: Kayenta's classifier (kayenta.ts) on samples of a range query.
//
//   judge:
//     type: mann-whitney
//     sampleStep: 30s            # range-query resolution over the window (default 30s)
//     confidence: 0.98           # (0, 1), default 0.98
//     direction: increase        # increase | decrease | either; default: the metric's direction (both → either)
//     effectSize: { measure: meanRatio, allowedIncrease: 1.1, allowedDecrease: 0.9 }   # or measure: cles
//     nanStrategy: remove        # remove | replace (non-finite → 0)
//     outliers: { iqrFactor: 3 } # optional IQR outlier removal; off when absent
//
// regressed: High (direction increase), Low (decrease), High or Low (either); improved: the
// opposite-direction finding (always false for either); both null for Nodata.

import { parseDuration } from '../analysis/duration.js';
import type { Direction, JudgeEvidence, Measurement, MetricSpec } from '../analysis/types.js';
import type { CompiledJudgeConfig, JudgeConfigProblem, JudgeContext, JudgeOutcome, MetricJudge, QueryShape, VariantMeasurements } from './judge.js';
import { classifyMannWhitney, defaultAllowedEffect, KAYENTA_DEFAULT_CONFIDENCE } from './kayenta.js';
import type { EffectSizeMeasure, KayentaConfig, KayentaDirection, KayentaResult, NanStrategy } from './kayenta.js';

export const MANN_WHITNEY_JUDGE_TYPE = 'mann-whitney';
const DEFAULT_SAMPLE_STEP = '30s';
const TOP_LEVEL_KEYS = ['type', 'sampleStep', 'confidence', 'direction', 'effectSize', 'nanStrategy', 'outliers'];
const EFFECT_SIZE_KEYS = ['measure', 'allowedIncrease', 'allowedDecrease'];
const OUTLIER_KEYS = ['iqrFactor'];
const DIRECTIONS: readonly KayentaDirection[] = ['increase', 'decrease', 'either'];
const MEASURES: readonly EffectSizeMeasure[] = ['meanRatio', 'cles'];
const NAN_STRATEGIES: readonly NanStrategy[] = ['remove', 'replace'];

export interface MannWhitneyJudgeSettings {
  sampleStepMs: number;
  /** undefined: follow the metric's direction. */
  direction: KayentaDirection | undefined;
  classifier: KayentaConfig;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const quote = (value: unknown): string => (typeof value === 'string' ? `"${value}"` : (JSON.stringify(value) ?? String(value)));

function unknownKeys(record: Record<string, unknown>, allowed: readonly string[], at: string[], problems: JudgeConfigProblem[]): void {
  for (const key of Object.keys(record)) {
    if (!allowed.includes(key)) problems.push({ path: [...at, key], message: `unknown key "${key}" (allowed: ${allowed.join(', ')})` });
  }
}

function oneOf<T extends string>(value: unknown, options: readonly T[], path: string[], problems: JudgeConfigProblem[]): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && (options as readonly string[]).includes(value)) return value as T;
  problems.push({ path, message: `must be one of ${options.join(' | ')}, got ${quote(value)}` });
  return undefined;
}

function readEffectLimit(
  effectSize: Record<string, unknown>,
  key: 'allowedIncrease' | 'allowedDecrease',
  measure: EffectSizeMeasure,
  problems: JudgeConfigProblem[],
): number | undefined {
  const value = effectSize[key];
  if (value === undefined) return undefined;
  const path = ['effectSize', key];
  const neutral = defaultAllowedEffect(measure);
  const example = measure === 'cles' ? (key === 'allowedIncrease' ? '0.6' : '0.4') : key === 'allowedIncrease' ? '1.1 for +10%' : '0.9 for −10%';
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    problems.push({ path, message: `must be a number (${measure}: e.g. ${example}), got ${quote(value)}` });
    return undefined;
  }
  const [min, max] = key === 'allowedIncrease' ? [neutral, measure === 'cles' ? 1 : Infinity] : [0, neutral];
  if (value < min || value > max) {
    const range = max === Infinity ? `≥ ${min}` : `in [${min}, ${max}]`;
    problems.push({ path, message: `for ${measure} must be ${range} (${neutral} means no change), got ${value}` });
    return undefined;
  }
  return value;
}

/** Reads a judge block with defaults; every problem is reported with its path. */
export function readMannWhitneyJudge(raw: Record<string, unknown>): { settings: MannWhitneyJudgeSettings; problems: JudgeConfigProblem[] } {
  const problems: JudgeConfigProblem[] = [];
  unknownKeys(raw, TOP_LEVEL_KEYS, [], problems);

  let sampleStepMs = parseDuration(DEFAULT_SAMPLE_STEP) as number;
  if (raw.sampleStep !== undefined) {
    const parsed = typeof raw.sampleStep === 'string' ? parseDuration(raw.sampleStep) : null;
    if (parsed === null || parsed <= 0)
      problems.push({ path: ['sampleStep'], message: `must be a positive duration such as 30s or 1m, got ${quote(raw.sampleStep)}` });
    else sampleStepMs = parsed;
  }

  let confidence: number | undefined;
  if (raw.confidence !== undefined) {
    if (typeof raw.confidence === 'number' && raw.confidence > 0 && raw.confidence < 1) confidence = raw.confidence;
    else problems.push({ path: ['confidence'], message: `must be a number strictly between 0 and 1 (e.g. 0.98), got ${quote(raw.confidence)}` });
  }

  const direction = oneOf(raw.direction, DIRECTIONS, ['direction'], problems);
  const nanStrategy = oneOf(raw.nanStrategy, NAN_STRATEGIES, ['nanStrategy'], problems);

  const classifier: KayentaConfig = { confidence, nanStrategy };
  if (raw.effectSize !== undefined) {
    if (!isRecord(raw.effectSize)) {
      problems.push({ path: ['effectSize'], message: `must be an object such as { measure: meanRatio, allowedIncrease: 1.1 }, got ${quote(raw.effectSize)}` });
    } else {
      unknownKeys(raw.effectSize, EFFECT_SIZE_KEYS, ['effectSize'], problems);
      const measure = oneOf(raw.effectSize.measure, MEASURES, ['effectSize', 'measure'], problems) ?? 'meanRatio';
      classifier.effectSize = {
        measure,
        allowedIncrease: readEffectLimit(raw.effectSize, 'allowedIncrease', measure, problems),
        allowedDecrease: readEffectLimit(raw.effectSize, 'allowedDecrease', measure, problems),
      };
    }
  }
  if (raw.outliers !== undefined) {
    if (!isRecord(raw.outliers)) {
      problems.push({ path: ['outliers'], message: `must be an object such as { iqrFactor: 3 }, got ${quote(raw.outliers)}` });
    } else {
      unknownKeys(raw.outliers, OUTLIER_KEYS, ['outliers'], problems);
      const factor = raw.outliers.iqrFactor;
      if (typeof factor === 'number' && Number.isFinite(factor) && factor > 0) classifier.outliers = { iqrFactor: factor };
      else problems.push({ path: ['outliers', 'iqrFactor'], message: `must be a positive number (Kayenta uses 3), got ${quote(factor)}` });
    }
  }
  return { settings: { sampleStepMs, direction, classifier }, problems };
}

function directionOf(metricDirection: Direction): KayentaDirection {
  return metricDirection === 'both' ? 'either' : metricDirection;
}

function shapeProblem(measurement: Measurement): string | null {
  switch (measurement.kind) {
    case 'value':
      return 'mann-whitney needs a range of samples per variant; got one value';
    case 'vector':
      return `mann-whitney needs a range of samples per variant; got a vector of ${measurement.series.length} series`;
    default:
      return null;
  }
}

function unjudged(stats: JudgeOutcome['stats'], details: JudgeEvidence['details'] = {}): JudgeOutcome {
  return { stats, evidence: { judge: MANN_WHITNEY_JUDGE_TYPE, regressed: null, improved: null, pValue: null, details } };
}

const finiteOrNull = (value: number | undefined): number | null => (value !== undefined && Number.isFinite(value) ? value : null);

function verdictOf(result: KayentaResult, direction: KayentaDirection): { regressed: boolean | null; improved: boolean | null } {
  if (result.classification === 'Nodata') return { regressed: null, improved: null };
  if (direction === 'either') return { regressed: result.classification !== 'Pass', improved: false };
  const bad = direction === 'increase' ? 'higher' : 'lower';
  return { regressed: result.shift === bad, improved: result.shift !== 'none' && result.shift !== bad };
}

function judgeSamples(spec: MetricSpec, own: VariantMeasurements, settings: MannWhitneyJudgeSettings): JudgeOutcome {
  const errors = (['baseline', 'canary'] as const).flatMap((variant) => {
    const measurement = own[variant];
    if (measurement.kind === 'error') return [`${variant}: ${measurement.error.message}`];
    const problem = shapeProblem(measurement);
    return problem === null ? [] : [`${variant}: ${problem}`];
  });
  if (errors.length > 0) return unjudged({ error: true, message: errors.join('; ') });

  const missing = (['baseline', 'canary'] as const).flatMap((variant) => {
    const measurement = own[variant];
    return measurement.kind === 'missing' ? [`${variant}: ${measurement.reason}`] : [];
  });
  if (missing.length > 0) return unjudged({ missing: true, message: missing.join('; ') }, { classification: 'Nodata' });

  const values = (measurement: Measurement): number[] => (measurement.kind === 'samples' ? measurement.samples.map((sample) => sample.value) : []);
  const direction = settings.direction ?? directionOf(spec.direction);
  const result = classifyMannWhitney(values(own.canary), values(own.baseline), { ...settings.classifier, direction });

  const baseline = result.baselineMean;
  const canary = result.canaryMean;
  const both = baseline !== null && canary !== null;
  const stats: JudgeOutcome['stats'] = {
    baseline,
    canary,
    delta: both ? canary - baseline : null,
    change: both && baseline !== 0 ? (canary - baseline) / Math.abs(baseline) : null,
    ratio: both && baseline !== 0 ? canary / baseline : null,
    missing: result.classification === 'Nodata',
    error: false,
  };
  if (result.classification === 'Nodata') stats.message = result.reason;

  const { regressed, improved } = verdictOf(result, direction);
  const details: JudgeEvidence['details'] = {
    classification: result.classification,
    reason: result.reason,
    direction,
    u: finiteOrNull(result.u),
    estimate: finiteOrNull(result.estimate),
    ciLow: finiteOrNull(result.confidenceInterval?.[0]),
    ciHigh: finiteOrNull(result.confidenceInterval?.[1]),
    confidence: settings.classifier.confidence ?? KAYENTA_DEFAULT_CONFIDENCE,
    effectSize: finiteOrNull(result.effectSize),
    effectSizeMeasure: result.effectSizeMeasure,
    canaryCount: result.canaryCount,
    baselineCount: result.baselineCount,
    removedCanary: result.removed.canary,
    removedBaseline: result.removed.baseline,
  };
  return { stats, evidence: { judge: MANN_WHITNEY_JUDGE_TYPE, regressed, improved, pValue: finiteOrNull(result.pValue), details } };
}

function compileMannWhitney(judge: Record<string, unknown>): CompiledJudgeConfig<MannWhitneyJudgeSettings> {
  const { settings, problems } = readMannWhitneyJudge(judge);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, config: settings };
}

export const mannWhitneyJudge: MetricJudge<MannWhitneyJudgeSettings> = {
  type: MANN_WHITNEY_JUDGE_TYPE,
  windowMode: 'template',

  validate(judge: Record<string, unknown>): JudgeConfigProblem[] {
    return readMannWhitneyJudge(judge).problems;
  },

  queryShape(judge: Record<string, unknown>): QueryShape {
    return { kind: 'range', stepMs: readMannWhitneyJudge(judge).settings.sampleStepMs };
  },

  compile: compileMannWhitney,

  judge(spec: MetricSpec, own: VariantMeasurements, _context: JudgeContext, compiled = compileMannWhitney(spec.judge ?? {})): JudgeOutcome {
    if (!compiled.ok) {
      const text = compiled.problems.map((problem) => `${['judge', ...problem.path].join('.')}: ${problem.message}`).join('; ');
      return unjudged({ error: true, message: `invalid mann-whitney judge: ${text}` });
    }
    return judgeSamples(spec, own, compiled.config);
  },
};
