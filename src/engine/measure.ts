// One tick's measurements: render every metric's query per variant, ask the source, judge.
// Shared by the one-shot commands (analyze, backtest) and the daemon.

import { formatDuration } from '../analysis/duration.js';
import { buildMetricResult } from '../analysis/metric-result.js';
import type { AnalysisState, CompiledTemplate, Measurement, MetricResult, MetricSpec, RenderedQueries, Variant } from '../analysis/types.js';
import type { JudgeContext, MetricJudge, QueryShape, VariantMeasurements } from '../stats/judge.js';
import type { MetricSource } from '../sources/types.js';
import { renderQuery } from '../template/render.js';
import { compiledJudgeOf } from './judge-config.js';
import { fetchHistories } from './history.js';
import type { Limiter } from './limit.js';

export type JudgeRegistry = ReadonlyMap<string, MetricJudge>;

export interface MeasureRequest {
  template: CompiledTemplate;
  args: Record<string, string>;
  state: AnalysisState;
  now: number;
  /** The template's window for this tick (lookback, or time since the step began, at least one interval). */
  windowMs: number;
  /** Judge memory from the previous tick of the analysis, by metric name. */
  judgeMemory: Record<string, unknown>;
}

export interface MeasureDeps {
  source: MetricSource;
  judges: JudgeRegistry;
  limit: Limiter;
  /** Called after each query, for metrics and logs. */
  onQuery?: (outcome: { metric: string; variant: Variant; measurement: Measurement; seconds: number }) => void;
  /** Monotonic seconds for query durations; injected so the core stays clock-free. */
  elapsed?: () => number;
  /** Abandons the tick: queued queries leave the queue (rejecting), queries in flight are cut short. */
  signal?: AbortSignal;
}

export interface MeasureResult {
  metrics: MetricResult[];
  window: string;
  judgeMemory: Record<string, unknown>;
}

interface PlannedMetric {
  spec: MetricSpec;
  judge: MetricJudge | undefined;
  shape: QueryShape;
  windowMs: number;
  queries: RenderedQueries;
}

const VARIANTS: readonly Variant[] = ['baseline', 'canary'];

export async function measureTick(request: MeasureRequest, deps: MeasureDeps): Promise<MeasureResult> {
  const { template, now } = request;
  const stepWindowMs = Math.max(template.intervalMs, now - request.state.stepStartedAt);
  const plans = template.metrics.map((spec) => planMetric(spec, request, deps, stepWindowMs));

  const measured = await Promise.all(
    plans.map(async (plan) => {
      const [baseline, canary] = await Promise.all(VARIANTS.map((variant) => queryVariant(plan, variant, request, deps)));
      return { plan, own: { baseline: baseline as Measurement, canary: canary as Measurement } };
    }),
  );

  const histories = await fetchHistories(
    plans.flatMap((plan) => (plan.judge ? [{ spec: plan.spec, judge: plan.judge }] : [])),
    { template, args: request.args, state: request.state, judgeMemory: request.judgeMemory, judges: deps.judges },
    deps,
  );
  const byName = new Map<string, VariantMeasurements>(measured.map(({ plan, own }) => [plan.spec.name, own]));
  const judgeMemory: Record<string, unknown> = {};
  const metrics = measured.map(({ plan, own }) => {
    const judge = plan.judge;
    if (!judge) return buildMetricResult(plan.spec, own.baseline, own.canary, plan.queries);
    const context: JudgeContext = {
      measurements: byName,
      stepIndex: request.state.stepIndex,
      stepElapsedMs: now - request.state.stepStartedAt,
      intervalMs: template.intervalMs,
      memory: request.judgeMemory[plan.spec.name],
    };
    const history = histories.get(plan.spec.name);
    if (history !== undefined) context.history = history;
    return buildMetricResult(plan.spec, own.baseline, own.canary, plan.queries, (spec, baseline, canary) => {
      const outcome = judge.judge(spec, { baseline, canary }, context, compiledJudgeOf(judge, spec));
      if (outcome.memory !== undefined) judgeMemory[spec.name] = outcome.memory;
      return {
        ...outcome.stats,
        regressed: outcome.evidence.regressed,
        improved: outcome.evidence.improved,
        p_value: outcome.evidence.pValue,
        judge: outcome.evidence,
      };
    });
  });

  return { metrics, window: formatDuration(request.windowMs), judgeMemory };
}

function planMetric(spec: MetricSpec, request: MeasureRequest, deps: MeasureDeps, stepWindowMs: number): PlannedMetric {
  const { judges } = deps;
  const judge = spec.judge ? judges.get(spec.judge.type) : undefined;
  const shape: QueryShape = judge && spec.judge ? judge.queryShape(spec.judge) : { kind: 'single' };
  const windowMs = judge?.windowMode === 'step' ? stepWindowMs : request.windowMs;
  const { template, args } = request;
  const render = (variant: Variant): string =>
    renderQuery(spec.query, {
      args,
      // "previous" mode compares the canary with its own series shifted back: both render as the canary.
      variant: template.variants[template.baseline.mode === 'previous' ? 'canary' : variant],
      windowMs,
      intervalMs: template.intervalMs,
      dialect: deps.source.dialect,
    });
  return { spec, judge, shape, windowMs, queries: { baseline: render('baseline'), canary: render('canary') } };
}

async function queryVariant(plan: PlannedMetric, variant: Variant, request: MeasureRequest, deps: MeasureDeps): Promise<Measurement> {
  const { template } = request;
  const offsetMs = variant === 'baseline' && template.baseline.mode === 'previous' ? template.baseline.offsetMs : 0;
  const atMs = request.now - offsetMs;
  const query = plan.queries[variant];
  // Timed inside the slot: the wait for a free query slot is not the source's time.
  let started = 0;
  const signal = deps.signal === undefined ? {} : { signal: deps.signal };
  const measurement = await deps.limit(() => {
    started = deps.elapsed?.() ?? 0;
    switch (plan.shape.kind) {
      case 'range':
        return deps.source.rangeQuery(
          query,
          atMs - plan.windowMs,
          atMs,
          plan.shape.stepMs,
          signal.signal === undefined ? undefined : { expect: 'single', ...signal },
        );
      case 'vector':
        return deps.source.instantQuery(query, atMs, { expect: 'vector', ...signal });
      case 'single':
        return deps.source.instantQuery(query, atMs, { expect: 'single', ...signal });
    }
  }, deps.signal);
  deps.onQuery?.({ metric: plan.spec.name, variant, measurement, seconds: (deps.elapsed?.() ?? 0) - started });
  return measurement;
}
