// canaryd's gate metrics: one place that names them, types them and says what each means.
// docs/metrics.md is the user-facing copy of this list; keep them in step.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { ExpositionFamily } from './exposition-family.js';

export const ANALYSIS_LABEL_NAMES = ['analysis', 'template', 'service', 'environment'] as const;

const SOURCE_QUERY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const TICK_DURATION_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const TICK_LAG_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export interface GateMetricSet {
  /** 1 per analysis; identifies it and carries its version and mode (drive | observe). */
  analysisInfo: ExpositionFamily;
  /** 1 for the analysis' current phase, 0 for the five others. */
  analysisPhase: ExpositionFamily;
  /** Index of the current traffic step (0 = first step), as in the verdict API. */
  analysisStep: ExpositionFamily;
  /** Canary traffic weight of the current step, in percent (0-100) as written in the template. */
  analysisWeight: ExpositionFamily;
  /** Tick verdicts per analysis: verdict = abort|hold|promote|continue, rule = the rule that fired or "none". */
  verdicts: ExpositionFamily;
  /** Last measured value of each metric, per variant (baseline | canary); absent while missing or errored. */
  metricValue: ExpositionFamily;
  /** 1 when the metric's judge found a regression at the last tick, 0 when not; absent where not judged. */
  metricRegressed: ExpositionFamily;
  /** p-value of the metric's judge at the last tick; absent where the judge gives none. */
  metricPValue: ExpositionFamily;
  /** Queries sent to each metric source, by outcome (ok, missing or a SourceErrorKind). */
  sourceQueries: Counter<'source' | 'outcome'>;
  /** Wall time of one query to a source, whatever its outcome. */
  sourceQueryDuration: Histogram<'source'>;
  /** Deployment adapter calls by action (set-weight, complete, rollback, pause, resume) and outcome. */
  adapterCalls: Counter<'adapter' | 'action' | 'outcome'>;
  /** Wall time of one tick (queries, judging, store write), per template. */
  tickDuration: Histogram<'template'>;
  /** How late a tick started compared with its schedule, per template. */
  tickLag: Histogram<'template'>;
  /** Number of known analyses in each phase; every phase is always present. */
  analyses: Gauge<'phase'>;
  /** Decisions that changed an analysis (abort, promote, pause, resume, complete) by template and rule. */
  decisions: Counter<'template' | 'verdict' | 'rule'>;
}

const ANALYSIS_FAMILIES = new WeakMap<Registry, ExpositionFamily[]>();

/** The per-analysis families defined on this registry (rendered by renderMetrics after the registry's own). */
export function analysisFamiliesOf(registry: Registry): readonly ExpositionFamily[] {
  return ANALYSIS_FAMILIES.get(registry) ?? [];
}

export function defineGateMetrics(registry: Registry): GateMetricSet {
  const registers = [registry];
  const set: GateMetricSet = {
    analysisInfo: new ExpositionFamily(
      'canaryd_analysis_info',
      'Analysis identity: 1 for each known analysis, with its version and mode (drive or observe).',
      'gauge',
      [...ANALYSIS_LABEL_NAMES, 'version', 'mode'],
    ),
    analysisPhase: new ExpositionFamily(
      'canaryd_analysis_phase',
      'Analysis phase: 1 for the current phase, 0 for the others (pending, running, paused, succeeded, aborted, failed).',
      'gauge',
      [...ANALYSIS_LABEL_NAMES, 'phase'],
    ),
    analysisStep: new ExpositionFamily('canaryd_analysis_step', 'Index of the current traffic step of the analysis (0 is the first step).', 'gauge', [
      ...ANALYSIS_LABEL_NAMES,
    ]),
    analysisWeight: new ExpositionFamily('canaryd_analysis_weight', 'Canary traffic weight of the current step, in percent (0-100).', 'gauge', [
      ...ANALYSIS_LABEL_NAMES,
    ]),
    verdicts: new ExpositionFamily(
      'canaryd_verdicts_total',
      'Tick verdicts per analysis by verdict (abort, hold, promote, continue) and the rule that fired ("none" when none did).',
      'counter',
      [...ANALYSIS_LABEL_NAMES, 'verdict', 'rule'],
    ),
    metricValue: new ExpositionFamily(
      'canaryd_metric_value',
      'Last measured value of a template metric per variant (baseline, canary); absent while missing or errored.',
      'gauge',
      [...ANALYSIS_LABEL_NAMES, 'metric', 'variant'],
    ),
    metricRegressed: new ExpositionFamily(
      'canaryd_metric_regressed',
      "1 if the metric's judge found the canary regressed at the last tick, 0 if not; absent for metrics without a judge.",
      'gauge',
      [...ANALYSIS_LABEL_NAMES, 'metric'],
    ),
    metricPValue: new ExpositionFamily(
      'canaryd_metric_p_value',
      "p-value of the metric's judge at the last tick (anytime-valid for sequential judges); absent where none.",
      'gauge',
      [...ANALYSIS_LABEL_NAMES, 'metric'],
    ),
    sourceQueries: new Counter({
      name: 'canaryd_source_queries_total',
      help: 'Queries sent to a metric source by outcome (ok, missing, unreachable, timeout, rejected-query, server-error, malformed-answer, several-series, auth).',
      labelNames: ['source', 'outcome'],
      registers,
    }),
    sourceQueryDuration: new Histogram({
      name: 'canaryd_source_query_duration_seconds',
      help: 'Duration of one query to a metric source, whatever its outcome.',
      labelNames: ['source'],
      buckets: SOURCE_QUERY_BUCKETS,
      registers,
    }),
    adapterCalls: new Counter({
      name: 'canaryd_adapter_calls_total',
      help: 'Deployment adapter calls by adapter, action (set-weight, complete, rollback, pause, resume) and outcome (success, retry, failure).',
      labelNames: ['adapter', 'action', 'outcome'],
      registers,
    }),
    tickDuration: new Histogram({
      name: 'canaryd_tick_duration_seconds',
      help: 'Duration of one analysis tick (queries, judging, store write) per template.',
      labelNames: ['template'],
      buckets: TICK_DURATION_BUCKETS,
      registers,
    }),
    tickLag: new Histogram({
      name: 'canaryd_tick_lag_seconds',
      help: 'How late a tick started compared with its schedule, per template.',
      labelNames: ['template'],
      buckets: TICK_LAG_BUCKETS,
      registers,
    }),
    analyses: new Gauge({
      name: 'canaryd_analyses',
      help: 'Number of analyses in each phase.',
      labelNames: ['phase'],
      registers,
    }),
    decisions: new Counter({
      name: 'canaryd_decisions_total',
      help: 'Decisions that changed an analysis (abort, promote, pause, resume, complete) by template and rule.',
      labelNames: ['template', 'verdict', 'rule'],
      registers,
    }),
  };
  const families = [
    set.analysisInfo,
    set.analysisPhase,
    set.analysisStep,
    set.analysisWeight,
    set.verdicts,
    set.metricValue,
    set.metricRegressed,
    set.metricPValue,
  ];
  ANALYSIS_FAMILIES.set(registry, [...(ANALYSIS_FAMILIES.get(registry) ?? []), ...families]);
  return set;
}
