// Public entry of `canaryd` (package.json exports "."): template loading and validation, the pure
// engine (one tick, backtest), the Prometheus source and the domain types. A plain list of
// re-exports plus one convenience function; the statistics alone are at `canaryd/stats`.

import { judgeLoadOptions } from './stats/registry.js';
import { parseTemplate, type TemplateParseResult } from './template/load.js';

export { parseTemplate } from './template/load.js';
export type { TemplateLoadOptions, TemplateParseResult } from './template/load.js';
export { formatProblem, sortProblems } from './template/problems.js';
export type { Problem } from './template/problems.js';
export { renderQuery, resolveArgs, assertArgsRender } from './template/render.js';
export type { RenderContext } from './template/render.js';
export { judgeCompiler, judgeRegistry, judgeValidator } from './stats/registry.js';
export type { MetricJudge } from './stats/judge.js';

export { runTick } from './engine/tick.js';
export type { TickRequest, TickResult } from './engine/tick.js';
export { runBacktest } from './engine/backtest.js';
export type { AnalysisReport, BacktestRequest, FinalVerdict, ReportedTick } from './engine/backtest.js';
export type { MeasureDeps } from './engine/measure.js';
export { startAnalysis, applyTick, applyManualAction } from './analysis/step-machine.js';
export type { ManualAction, StepTransition } from './analysis/step-machine.js';

export { parseCondition } from './analysis/conditions/parser.js';
export { evaluateCondition } from './analysis/conditions/evaluate.js';
export type { StatLookup } from './analysis/conditions/evaluate.js';
export { canonicalJson, evidenceHash } from './analysis/evidence-hash.js';
export { DomainError } from './analysis/errors.js';
export type * from './analysis/types.js';

export { createPrometheusSource, SourceConfigError } from './sources/index.js';
export type { InstantQueryOptions, MetricSource, PrometheusSourceOptions } from './sources/index.js';
export { idempotencyKey } from './adapters/types.js';
export type { AdapterRequest, AdapterResult, DeploymentAdapter } from './adapters/types.js';

/** A template's YAML text → the compiled template, or every problem, with the built-in judges. */
export function loadTemplateText(text: string, file: string): TemplateParseResult {
  return parseTemplate(text, file, judgeLoadOptions);
}
