// Template text → CompiledTemplate, or every problem found, each at its file:line:col.
// Pure: the caller reads the file (see src/config/template-files.ts).

import { parseCondition } from '../analysis/conditions/parser.js';
import type { CompiledJudgeConfig, CompiledRule, CompiledTemplate, JudgeSpec, StepSpec } from '../analysis/types.js';
import { compileChecks } from './check-checks.js';
import { checkSpec } from './check-spec.js';
import { conditionTexts, RULE_GROUPS } from './check-rules.js';
import type { QueryDialect } from './dialect.js';
import type { Problem } from './problems.js';
import { templateSchema, type JudgeValidator, type TemplateDocument } from './schema.js';
import { validateYaml } from './validate-yaml.js';

/** Compiles a validated judge block once, at load (undefined: no judge of that type). */
export type JudgeCompiler = (judge: JudgeSpec, selfName: string) => CompiledJudgeConfig | undefined;

export interface TemplateLoadOptions {
  judgeValidator?: JudgeValidator;
  /** Compiles each metric's judge block into MetricSpec.compiledJudge. */
  judgeCompiler?: JudgeCompiler;
  /** The query language the template's queries are checked in (default: PromQL). */
  dialect?: QueryDialect;
}

export type TemplateParseResult = { ok: true; template: CompiledTemplate } | { ok: false; problems: Problem[] };

function compileRules(document: TemplateDocument): CompiledRule[] {
  return RULE_GROUPS.flatMap((group) =>
    document.spec.rules[group].map((rule, index) => ({
      id: rule.id,
      group,
      conditions: conditionTexts(rule.when, []).map(({ text }) => {
        const parsed = parseCondition(text);
        if (!parsed.ok) throw new Error(`condition ${index} of ${group} rule ${rule.id} was validated but does not parse`);
        return { text, ast: parsed.ast };
      }),
    })),
  );
}

function compile(document: TemplateDocument, judgeCompiler: JudgeCompiler | undefined): CompiledTemplate {
  const { spec } = document;
  const steps: StepSpec[] = spec.steps.map((step) => ({
    weight: step.weight,
    minDurationMs: step.minDuration ?? spec.stepDefaults.minDuration,
    maxDurationMs: step.maxDuration ?? spec.stepDefaults.maxDuration ?? null,
  }));
  const template: CompiledTemplate = {
    name: document.metadata.name,
    ...(document.metadata.description !== undefined ? { description: document.metadata.description } : {}),
    source: spec.source,
    args: spec.args.map((arg) => ({
      name: arg.name,
      ...(arg.default !== undefined ? { default: String(arg.default) } : {}),
    })),
    variants: { baseline: spec.variants.baseline, canary: spec.variants.canary },
    baseline: { mode: spec.baseline.mode, offsetMs: spec.baseline.offset ?? 0 },
    intervalMs: spec.interval,
    initialDelayMs: spec.initialDelay,
    lookbackMs: spec.lookback ?? null,
    steps,
    onTimeout: spec.onTimeout,
    consecutiveErrorLimit: spec.consecutiveErrorLimit,
    onError: spec.onError,
    metrics: spec.metrics.map((metric) => {
      const compiledJudge = metric.judge !== undefined ? judgeCompiler?.(metric.judge, metric.name) : undefined;
      return {
        name: metric.name,
        query: metric.query,
        direction: metric.direction,
        ...(metric.judge !== undefined ? { judge: metric.judge } : {}),
        ...(compiledJudge !== undefined ? { compiledJudge } : {}),
        ...(metric.optional ? { optional: true } : {}),
      };
    }),
    rules: compileRules(document),
    ...(spec.scoring !== undefined ? { scoring: spec.scoring } : {}),
    ...(spec.checks !== undefined ? { checks: compileChecks(spec.checks) } : {}),
    ...(document.metadata.owners !== undefined ? { owners: document.metadata.owners } : {}),
  };
  return template;
}

export function parseTemplate(text: string, file: string, options: TemplateLoadOptions = {}): TemplateParseResult {
  const validated = validateYaml(text, file, templateSchema, (data) => checkSpec(data, options.judgeValidator, options.dialect));
  if (!validated.ok) return validated;
  return { ok: true, template: compile(validated.value, options.judgeCompiler) };
}
