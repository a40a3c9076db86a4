// Semantic checks of a template's spec that zod's shape checks cannot express. They read the raw
// data defensively, so they report alongside zod's problems rather than after them are fixed.

import { validateScoring } from '../stats/scoring.js';
import type { JudgeValidator } from './schema.js';
import { checkChecks } from './check-checks.js';
import { checkRules, SCORE_METRIC, type MetricInfo } from './check-rules.js';
import { promqlDialect } from '../sources/prometheus/dialect.js';
import type { QueryDialect } from './dialect.js';
import { scanQuery, substitutePlaceholders, type Placeholder } from './placeholders.js';
import { isRecord, listOf, rawDurationMs, recordAt } from './raw-data.js';
import { formatPath, type Path, type PathIssue } from './yaml-source.js';

/** Stand-ins for placeholders when checking PromQL syntax. */
const DUMMY_VALUES = { arg: 'x', variant: 'baseline', window: '5m', interval: '5m', invalid: 'x' } as const;

/**
 * A bare (unquoted) value right after `[`, `:` (subquery step), `@` or `offset` must be a number or
 * duration for the query to parse; elsewhere a name fits (a metric, a label, a topk count).
 */
function dummyValue(query: string, placeholder: Placeholder): string {
  const { kind } = placeholder.ref;
  if (placeholder.context === 'bare' && (kind === 'arg' || kind === 'variant')) {
    const before = query.slice(0, placeholder.start).trimEnd();
    if (/(?:[[:@]|\boffset)$/.test(before)) return '1';
  }
  return DUMMY_VALUES[kind];
}

function checkArgs(spec: Record<string, unknown>, issues: PathIssue[]): Set<string> | null {
  if (spec.args !== undefined && !Array.isArray(spec.args)) return null;
  const names = new Set<string>();
  listOf(spec.args).forEach((arg, index) => {
    if (!isRecord(arg) || typeof arg.name !== 'string') return;
    const path = ['spec', 'args', index, 'name'];
    if (names.has(arg.name)) issues.push({ path, message: `${formatPath(path)}: duplicate argument "${arg.name}"` });
    names.add(arg.name);
  });
  return names;
}

function checkMetrics(spec: Record<string, unknown>, judgeValidator: JudgeValidator | undefined, issues: PathIssue[]): Map<string, MetricInfo> | null {
  if (!Array.isArray(spec.metrics)) return null;
  const metrics = new Map<string, MetricInfo>();
  spec.metrics.forEach((metric, index) => {
    if (!isRecord(metric) || typeof metric.name !== 'string') return;
    const path = ['spec', 'metrics', index, 'name'];
    if (metrics.has(metric.name)) issues.push({ path, message: `${formatPath(path)}: duplicate metric name "${metric.name}"` });
    if (metric.name === SCORE_METRIC && spec.scoring !== undefined) {
      issues.push({ path, message: `${formatPath(path)}: "${SCORE_METRIC}" is reserved for the score when spec.scoring is set` });
    }
    metrics.set(metric.name, { hasJudge: isRecord(metric.judge) });
  });
  if (judgeValidator !== undefined) {
    const names = [...metrics.keys()];
    spec.metrics.forEach((metric, index) => {
      if (!isRecord(metric) || !isRecord(metric.judge) || typeof metric.judge.type !== 'string') return;
      for (const problem of judgeValidator(metric.judge, names, ['spec', 'metrics', index, 'judge'], String(metric.name))) {
        issues.push({ path: problem.path, message: `${formatPath(problem.path)}: ${problem.message}` });
      }
    });
  }
  return metrics;
}

function placeholderProblem(placeholder: Placeholder, declaredArgs: Set<string> | null): string | null {
  const { ref } = placeholder;
  if (ref.kind === 'invalid') {
    return `unknown placeholder ${placeholder.text}: use {{ args.NAME }}, {{ variant }}, {{ window }} or {{ interval }}`;
  }
  if (ref.kind === 'arg' && declaredArgs !== null && !declaredArgs.has(ref.name)) {
    return `{{ args.${ref.name} }} names an argument that spec.args does not declare`;
  }
  if (placeholder.afterBackslash) return `${placeholder.text} follows a backslash, which would escape its value's first character`;
  return null;
}

function checkQuery(query: string, path: Path, declaredArgs: Set<string> | null, issues: PathIssue[], needsVariant: boolean, dialect: QueryDialect): void {
  const where = formatPath(path);
  const scan = scanQuery(query);
  if (needsVariant && scan.unclosedAt === null && !scan.placeholders.some((placeholder) => placeholder.ref.kind === 'variant')) {
    issues.push({
      path,
      message: `${where}: has no {{ variant }}, so baseline and canary would read the same series (baseline.mode concurrent compares the two variants; label them, e.g. track="{{ variant }}")`,
    });
  }
  let placeholdersValid = scan.unclosedAt === null;
  if (scan.unclosedAt !== null) {
    issues.push({ path, valueIndex: scan.unclosedAt, message: `${where}: "{{" is never closed with "}}"` });
  }
  for (const placeholder of scan.placeholders) {
    const problem = placeholderProblem(placeholder, declaredArgs);
    if (problem === null) continue;
    placeholdersValid = false;
    issues.push({ path, valueIndex: placeholder.start, message: `${where}: ${problem}` });
  }
  // A broken placeholder would only add a confusing PromQL error on top.
  if (!placeholdersValid) return;
  const substituted = substitutePlaceholders(query, scan.placeholders, (placeholder) => dummyValue(query, placeholder));
  const error = dialect.checkSyntax(substituted.text);
  if (error !== null) {
    issues.push({ path, valueIndex: substituted.originalOffset(error.offset), message: `${where}: ${error.message}` });
  }
}

function checkSteps(spec: Record<string, unknown>, issues: PathIssue[]): void {
  const defaults = recordAt(spec, 'stepDefaults');
  const defaultMin = defaults.minDuration === undefined ? 0 : rawDurationMs(defaults.minDuration);
  const defaultMax = defaults.maxDuration === undefined ? null : rawDurationMs(defaults.maxDuration);
  let previousWeight: number | null = null;
  listOf(spec.steps).forEach((step, index) => {
    if (!isRecord(step)) return;
    const stepPath: Path = ['spec', 'steps', index];
    if (typeof step.weight === 'number') {
      const path = [...stepPath, 'weight'];
      if (!(step.weight > 0 && step.weight <= 100)) {
        issues.push({ path, message: `${formatPath(path)}: must be within (0, 100], got ${step.weight}` });
      } else if (previousWeight !== null && step.weight <= previousWeight) {
        issues.push({ path, message: `${formatPath(path)}: weights must increase step by step; ${step.weight} follows ${previousWeight}` });
      }
      if (step.weight > 0 && step.weight <= 100) previousWeight = step.weight;
    }
    const min = step.minDuration === undefined ? defaultMin : rawDurationMs(step.minDuration);
    const max = step.maxDuration === undefined ? defaultMax : rawDurationMs(step.maxDuration);
    if (min !== undefined && max !== undefined && max !== null && min > max) {
      const field = step.minDuration !== undefined ? 'minDuration' : step.maxDuration !== undefined ? 'maxDuration' : null;
      const path = field === null ? stepPath : [...stepPath, field];
      const fromDefaults = step.minDuration === undefined || step.maxDuration === undefined ? ' (with spec.stepDefaults)' : '';
      issues.push({ path, message: `${formatPath(path)}: minDuration is longer than maxDuration${fromDefaults}` });
    }
  });
}

function checkBaseline(spec: Record<string, unknown>, issues: PathIssue[]): void {
  if (!isRecord(spec.baseline)) return;
  const { mode, offset } = spec.baseline;
  if (mode === 'previous' && offset === undefined) {
    const path = ['spec', 'baseline', 'offset'];
    issues.push({ path, message: `${formatPath(path)}: required when mode is previous (e.g. offset: 1d)` });
  }
  if (mode !== 'previous' && offset !== undefined) {
    const path = ['spec', 'baseline', 'offset'];
    issues.push({ path, at: 'key', message: `${formatPath(path)}: only applies to mode: previous` });
  }
}

function checkScoring(scoring: unknown, metrics: Map<string, MetricInfo>, issues: PathIssue[]): void {
  const judged = [...metrics].filter(([, info]) => info.hasJudge).map(([name]) => name);
  for (const problem of validateScoring(scoring, [...metrics.keys()], judged)) {
    const path = ['spec', 'scoring', ...problem.path];
    issues.push({ path, message: `${formatPath(path)}: ${problem.message}` });
  }
}

export function checkSpec(data: unknown, judgeValidator: JudgeValidator | undefined, dialect: QueryDialect = promqlDialect): PathIssue[] {
  const spec = recordAt(data, 'spec');
  const issues: PathIssue[] = [];
  const declaredArgs = checkArgs(spec, issues);
  const metrics = checkMetrics(spec, judgeValidator, issues);
  // In "previous" mode both variants render as the canary; in "concurrent" mode (the default) the query must tell them apart.
  const concurrent = !isRecord(spec.baseline) || spec.baseline.mode === undefined || spec.baseline.mode === 'concurrent';
  listOf(spec.metrics).forEach((metric, index) => {
    if (isRecord(metric) && typeof metric.query === 'string' && metric.query !== '') {
      checkQuery(metric.query, ['spec', 'metrics', index, 'query'], declaredArgs, issues, concurrent, dialect);
    }
  });
  checkSteps(spec, issues);
  checkBaseline(spec, issues);
  if (spec.scoring !== undefined && metrics !== null) checkScoring(spec.scoring, metrics, issues);
  const checks = checkChecks(spec, issues);
  issues.push(...checkRules(spec, { metrics, scoring: spec.scoring !== undefined, checks }));
  return issues;
}
