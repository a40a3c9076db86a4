// The pseudo-metric `score` of a scored template: Kayenta's score over the judged metrics, as a
// MetricResult (so it shows in verdicts) and as stats `score.value` / `score.critical` for rules.

import type { StatLookup } from '../analysis/conditions/evaluate.js';
import type { MetricResult } from '../analysis/types.js';
import { scoreMetrics, type ScoreResult, type ScoringSpec } from './scoring.js';

export const SCORE_METRIC = 'score';

export function scoreAsMetric(results: readonly MetricResult[], scoring: unknown): { result: MetricResult; score: ScoreResult } {
  const score = scoreMetrics(results, scoring as ScoringSpec);
  const result: MetricResult = {
    name: SCORE_METRIC,
    baseline: null,
    canary: score.value,
    delta: null,
    change: null,
    ratio: null,
    missing: score.value === null,
    error: false,
    message: score.reason,
    judge: {
      judge: 'score',
      regressed: score.classification === 'fail' ? true : score.classification === 'nodata' ? null : false,
      improved: null,
      pValue: null,
      details: {
        value: score.value,
        critical: score.critical,
        classification: score.classification,
        groups: score.groups.map((group) => group.score ?? Number.NaN),
      },
    },
    queries: { baseline: '', canary: '' },
  };
  return { result, score };
}

/** Adds `score.value` and `score.critical` to a lookup of the other metrics' stats. */
export function withScore(lookup: StatLookup, score: ScoreResult): StatLookup {
  return (metric, stat) => {
    if (metric !== SCORE_METRIC) return lookup(metric, stat);
    if (stat === 'value') return score.value;
    if (stat === 'critical') return score.critical;
    return undefined;
  };
}
