// The baseline's history before the analysis started, for judges that learn from it (the
// calibrated sequential judges): fetched once, on a judged metric's first judgement, as one range
// query per metric with {{ window }} = one interval and a step of one interval, so each sample is
// the increase over the interval before it.

import type { AnalysisState, CompiledTemplate, Measurement, MetricSpec } from '../analysis/types.js';
import type { MetricJudge } from '../stats/judge.js';
import type { MetricSource } from '../sources/types.js';
import { renderQuery } from '../template/render.js';
import type { Limiter } from './limit.js';

const MAX_HISTORY_POINTS = 10_000;

export interface HistoryPlan {
  spec: MetricSpec;
  judge: MetricJudge;
}

export interface HistoryRequestContext {
  template: CompiledTemplate;
  args: Record<string, string>;
  state: AnalysisState;
  judgeMemory: Record<string, unknown>;
  judges: ReadonlyMap<string, MetricJudge>;
}

function queryShapeOf(spec: MetricSpec, judges: ReadonlyMap<string, MetricJudge>): 'single' | 'vector' {
  const judge = spec.judge ? judges.get(spec.judge.type) : undefined;
  return judge && spec.judge && judge.queryShape(spec.judge).kind === 'vector' ? 'vector' : 'single';
}

/** Per judged metric that wants history now: its history measurements by metric name. */
export async function fetchHistories(
  plans: readonly HistoryPlan[],
  context: HistoryRequestContext,
  deps: { source: MetricSource; limit: Limiter; signal?: AbortSignal },
): Promise<Map<string, ReadonlyMap<string, Measurement>>> {
  const { template, state } = context;
  const byMetric = new Map(template.metrics.map((spec) => [spec.name, spec]));
  const previous = template.baseline.mode === 'previous';
  const endMs = state.startedAt - (previous ? template.baseline.offsetMs : 0);
  const cache = new Map<string, Promise<Measurement>>();
  const fetchOne = (spec: MetricSpec, windowMs: number): Promise<Measurement> => {
    const key = `${spec.name}\u0000${windowMs}`;
    let pending = cache.get(key);
    if (pending === undefined) {
      const query = renderQuery(spec.query, {
        args: context.args,
        variant: template.variants[previous ? 'canary' : 'baseline'],
        windowMs: template.intervalMs,
        intervalMs: template.intervalMs,
        dialect: deps.source.dialect,
      });
      const expect = queryShapeOf(spec, context.judges);
      // Prometheus answers at most 11 000 points a series: a short interval over a long history is
      // sampled every few intervals (each sample still the increase over one interval).
      const stepMs = Math.max(template.intervalMs, Math.ceil(windowMs / MAX_HISTORY_POINTS / 1000) * 1000);
      const options = deps.signal === undefined ? { expect } : { expect, signal: deps.signal };
      pending = deps.limit(() => deps.source.rangeQuery(query, endMs - windowMs, endMs, stepMs, options), deps.signal);
      cache.set(key, pending);
    }
    return pending;
  };

  const result = new Map<string, ReadonlyMap<string, Measurement>>();
  await Promise.all(
    plans.map(async ({ spec, judge }) => {
      if (context.judgeMemory[spec.name] !== undefined || judge.history === undefined || spec.judge === undefined) return;
      const wanted = judge.history(spec.judge, spec.name);
      if (wanted === null) return;
      const entries = await Promise.all(
        wanted.metrics.map(async (name): Promise<[string, Measurement]> => {
          const other = byMetric.get(name);
          if (other === undefined) return [name, { kind: 'missing', reason: `no metric named ${name}` }];
          return [name, await fetchOne(other, wanted.windowMs)];
        }),
      );
      result.set(spec.name, new Map(entries));
    }),
  );
  return result;
}
