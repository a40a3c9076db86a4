// Kayenta-style scoring (NetflixACAJudge's WeightedSumScorer and ThresholdScoreClassifier) over the
// judged metrics of a tick, for the pseudo-metric `score` (`score.value`, `score.critical`).
//
//   scoring:
//     groups:
//       - { name: errors, weight: 60, metrics: [error_rate, errors_5xx] }
//       - { name: latency, weight: 40, metrics: [p95, p99] }
//     critical: [error_rate]          # optional
//     thresholds: { pass: 75, marginal: 50 }   # optional; these are the defaults
//
// Each metric of a group is one of:
//   pass    it has a judge and did not regress (an improvement passes, as Kayenta's direction-gated
//           classification does);
//   fail    it regressed (`regressed` already encodes the metric's direction: High, Low or either);
//   nodata  missing, errored, not judged this tick, or a judgement of unknown (null) — not counted,
//           as Kayenta leaves Nodata out of a group's count.
// Group score = 100 · passed / counted (null when nothing counted). score.value = the weighted mean of
// the groups that have a score, weights renormalised over them (Kayenta adds 0 for a group without
// data while still dividing by all weights; that punishes missing telemetry like a regression).
// Classification: value ≥ pass → pass, ≥ marginal → marginal, else fail; null → nodata.
//
// Critical metrics: a critical metric that regressed forces value 0, critical true, classification fail
// (Kayenta). A critical metric without data makes value and critical unknown (null) instead of
// Kayenta's 0: canaryd's contract is that no data never aborts and never promotes, so
// `abort: score.value < 50` must not fire, and `not score.critical` must not pass, on missing data.

import { z } from 'zod';
import type { MetricResult } from '../analysis/types.js';

export const DEFAULT_SCORE_THRESHOLDS = { pass: 75, marginal: 50 } as const;
/** The pseudo-metric's name; a template metric may not use it when scoring is on. */
export const SCORE_METRIC_NAME = 'score';

const metricName = z.string().min(1, 'must be a metric name');

export const scoringSchema = z.strictObject({
  groups: z
    .array(
      z.strictObject({
        name: z.string().min(1, 'a group needs a name'),
        weight: z.number().positive('weight must be a positive number'),
        metrics: z.array(metricName).min(1, 'a group needs at least one metric'),
      }),
    )
    .min(1, 'scoring needs at least one group'),
  critical: z.array(metricName).default([]),
  thresholds: z
    .strictObject({
      pass: z.number().min(0, 'must be in [0, 100]').max(100, 'must be in [0, 100]').default(DEFAULT_SCORE_THRESHOLDS.pass),
      marginal: z.number().min(0, 'must be in [0, 100]').max(100, 'must be in [0, 100]').default(DEFAULT_SCORE_THRESHOLDS.marginal),
    })
    .default({ ...DEFAULT_SCORE_THRESHOLDS }),
});

export type ScoringSpec = z.input<typeof scoringSchema>;
export type ParsedScoringSpec = z.output<typeof scoringSchema>;

export interface ScoringProblem {
  /** Path inside the scoring block, e.g. ['groups', 0, 'metrics', 1]. */
  path: Array<string | number>;
  message: string;
}

export type ScoreClassification = 'pass' | 'marginal' | 'fail' | 'nodata';

export interface GroupScore {
  name: string;
  weight: number;
  /** 0–100, or null when no metric of the group counted. */
  score: number | null;
  passed: number;
  counted: number;
  failed: string[];
  nodata: string[];
}

export interface ScoreResult {
  /** 0–100; 0 after a critical failure; null when nothing could be scored or a critical metric has no data. */
  value: number | null;
  /** A critical metric regressed; null when none did but one has no data. */
  critical: boolean | null;
  classification: ScoreClassification;
  groups: GroupScore[];
  criticalFailures: string[];
  criticalNodata: string[];
  reason: string;
}

/**
 * Problems of a raw `spec.scoring` block, with paths inside it: its shape, metric names that do not
 * exist (or, when judgedMetricNames is given, carry no judge), duplicate groups or metrics, marginal
 * above pass, and a template metric named like the pseudo-metric.
 */
export function validateScoring(raw: unknown, metricNames: readonly string[], judgedMetricNames?: readonly string[]): ScoringProblem[] {
  const parsed = scoringSchema.safeParse(raw);
  if (!parsed.success) {
    return parsed.error.issues.flatMap((issue) => {
      const path = issue.path.filter((part): part is string | number => typeof part !== 'symbol');
      if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ path: [...path, key], message: `unknown key "${key}"` }));
      return [{ path, message: issue.message }];
    });
  }
  const spec = parsed.data;
  const problems: ScoringProblem[] = [];
  const known = new Set(metricNames);
  const judged = judgedMetricNames ? new Set(judgedMetricNames) : null;
  const checkName = (name: string, path: Array<string | number>): void => {
    if (!known.has(name)) problems.push({ path, message: `unknown metric "${name}" (metrics: ${metricNames.join(', ') || 'none'})` });
    else if (judged && !judged.has(name)) problems.push({ path, message: `metric "${name}" has no judge, so it has no pass/fail to score` });
  };

  const groupNames = new Set<string>();
  spec.groups.forEach((group, g) => {
    if (groupNames.has(group.name)) problems.push({ path: ['groups', g, 'name'], message: `duplicate group name "${group.name}"` });
    groupNames.add(group.name);
    const inGroup = new Set<string>();
    group.metrics.forEach((name, m) => {
      if (inGroup.has(name)) problems.push({ path: ['groups', g, 'metrics', m], message: `metric "${name}" is listed twice in group "${group.name}"` });
      inGroup.add(name);
      checkName(name, ['groups', g, 'metrics', m]);
    });
  });
  spec.critical.forEach((name, c) => {
    checkName(name, ['critical', c]);
  });
  if (spec.thresholds.marginal > spec.thresholds.pass) {
    problems.push({ path: ['thresholds', 'marginal'], message: `marginal (${spec.thresholds.marginal}) must not exceed pass (${spec.thresholds.pass})` });
  }
  if (known.has(SCORE_METRIC_NAME)) {
    problems.push({ path: [], message: `a metric named "${SCORE_METRIC_NAME}" clashes with the scoring pseudo-metric; rename it` });
  }
  return problems;
}

type Outcome = 'pass' | 'fail' | 'nodata';

function outcomeOf(result: MetricResult | undefined): Outcome {
  if (!result || result.error || result.missing) return 'nodata';
  if (result.regressed === true) return 'fail';
  if (result.regressed === false) return 'pass';
  return 'nodata';
}

const percent = (value: number): string => `${Number(value.toFixed(1))}`;

/** Scores a tick's metric results (see the file comment for the rules). */
export function scoreMetrics(results: readonly MetricResult[], scoring: ScoringSpec): ScoreResult {
  const spec = scoringSchema.parse(scoring);
  const byName = new Map(results.map((result) => [result.name, result]));

  const groups: GroupScore[] = spec.groups.map((group) => {
    const failed: string[] = [];
    const nodata: string[] = [];
    let passed = 0;
    for (const name of group.metrics) {
      const outcome = outcomeOf(byName.get(name));
      if (outcome === 'pass') passed += 1;
      else if (outcome === 'fail') failed.push(name);
      else nodata.push(name);
    }
    const counted = passed + failed.length;
    return { name: group.name, weight: group.weight, score: counted === 0 ? null : (100 * passed) / counted, passed, counted, failed, nodata };
  });

  const criticalFailures = spec.critical.filter((name) => outcomeOf(byName.get(name)) === 'fail');
  const criticalNodata = spec.critical.filter((name) => outcomeOf(byName.get(name)) === 'nodata');
  const common = { groups, criticalFailures, criticalNodata };
  const summary = groups
    .map((group) => `${group.name} ${group.score === null ? 'no data' : `${percent(group.score)} (${group.passed}/${group.counted})`}`)
    .join(', ');

  if (criticalFailures.length > 0) {
    return { ...common, value: 0, critical: true, classification: 'fail', reason: `critical metric ${criticalFailures.join(', ')} regressed: score 0` };
  }
  if (criticalNodata.length > 0) {
    return {
      ...common,
      value: null,
      critical: null,
      classification: 'nodata',
      reason: `critical metric ${criticalNodata.join(', ')} has no judgement: score unknown`,
    };
  }

  let weighted = 0;
  let totalWeight = 0;
  for (const group of groups) {
    if (group.score === null) continue;
    weighted += group.weight * group.score;
    totalWeight += group.weight;
  }
  if (totalWeight === 0) {
    return { ...common, value: null, critical: false, classification: 'nodata', reason: `no group has data: ${summary}` };
  }
  const value = weighted / totalWeight;
  const { pass, marginal } = spec.thresholds;
  const classification: ScoreClassification = value >= pass ? 'pass' : value >= marginal ? 'marginal' : 'fail';
  const rule =
    classification === 'pass' ? `≥ pass ${pass}` : classification === 'marginal' ? `≥ marginal ${marginal}, < pass ${pass}` : `< marginal ${marginal}`;
  return { ...common, value, critical: false, classification, reason: `score ${percent(value)} ${rule}: ${summary}` };
}
