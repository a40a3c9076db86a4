// The judges a template may name in `metrics[].judge.type`.

import type { JudgeCompiler, TemplateLoadOptions } from '../template/load.js';
import type { JudgeValidator } from '../template/schema.js';
import type { MetricJudge } from './judge.js';
import { mannWhitneyJudge } from './kayenta-judge.js';
import { sequentialCountJudge } from './sequential-count.js';
import { sequentialHistogramJudge } from './sequential-histogram.js';

const JUDGES: readonly MetricJudge[] = [mannWhitneyJudge, sequentialCountJudge, sequentialHistogramJudge];

export const judgeRegistry: ReadonlyMap<string, MetricJudge> = new Map(JUDGES.map((judge) => [judge.type, judge]));

/** Template validation of a metric's `judge` block: a known type, then the judge's own checks. */
export const judgeValidator: JudgeValidator = (judge, metricNames, path, selfName) => {
  const type = judge['type'];
  const known = [...judgeRegistry.keys()].join(', ') || 'none';
  if (typeof type !== 'string') return [{ path: [...path, 'type'], message: `judge.type: expected one of ${known}` }];
  const plugin = judgeRegistry.get(type);
  if (!plugin) return [{ path: [...path, 'type'], message: `unknown judge type "${type}" (known: ${known})` }];
  return plugin.validate(judge, metricNames, selfName).map((problem) => ({ path: [...path, ...problem.path], message: problem.message }));
};

/** Compiles a metric's judge block once, when its template is loaded (MetricSpec.compiledJudge). */
export const judgeCompiler: JudgeCompiler = (judge, selfName) => judgeRegistry.get(judge.type)?.compile(judge, selfName);

/** What template loading needs of the judges: validation, then compilation. */
export const judgeLoadOptions: Pick<TemplateLoadOptions, 'judgeValidator' | 'judgeCompiler'> = { judgeValidator, judgeCompiler };
