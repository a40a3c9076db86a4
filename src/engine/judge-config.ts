// The compiled config a judge receives at each tick: the one compiled with the template at load
// (MetricSpec.compiledJudge), or, for a spec built by hand, compiled on first use and kept with it.

import type { CompiledJudgeConfig, MetricSpec } from '../analysis/types.js';
import type { MetricJudge } from '../stats/judge.js';

const compiledByHand = new WeakMap<MetricSpec, CompiledJudgeConfig>();

export function compiledJudgeOf(judge: MetricJudge, spec: MetricSpec): CompiledJudgeConfig {
  if (spec.compiledJudge !== undefined) return spec.compiledJudge;
  let compiled = compiledByHand.get(spec);
  if (compiled === undefined) {
    compiled = judge.compile(spec.judge ?? { type: judge.type }, spec.name);
    compiledByHand.set(spec, compiled);
  }
  return compiled;
}
