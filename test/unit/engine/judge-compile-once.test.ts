import { describe, expect, it } from 'vitest';
import type { CompiledJudgeConfig, Measurement, MetricSpec } from '../../../src/analysis/types.js';
import { startAnalysis } from '../../../src/analysis/step-machine.js';
import { createLimiter } from '../../../src/engine/limit.js';
import { runTick } from '../../../src/engine/tick.js';
import type { MetricSource } from '../../../src/sources/types.js';
import type { JudgeContext, JudgeOutcome, MetricJudge, VariantMeasurements } from '../../../src/stats/judge.js';
import { judgeLoadOptions } from '../../../src/stats/registry.js';
import { parseTemplate } from '../../../src/template/load.js';
import { MINIMAL_TEMPLATE } from '../template/template-text.js';

interface SpyConfig {
  threshold: number;
}

/** A judge that counts how often its block is compiled and records what each judgement receives. */
function spyJudge(): MetricJudge<SpyConfig> & { compiles: number; received: Array<CompiledJudgeConfig<SpyConfig> | undefined> } {
  const spy = {
    type: 'spy',
    windowMode: 'template' as const,
    compiles: 0,
    received: [] as Array<CompiledJudgeConfig<SpyConfig> | undefined>,
    validate: () => [],
    queryShape: () => ({ kind: 'single' as const }),
    compile(judge: Record<string, unknown>): CompiledJudgeConfig<SpyConfig> {
      spy.compiles += 1;
      return { ok: true, config: { threshold: Number(judge['threshold']) } };
    },
    judge(_spec: MetricSpec, _own: VariantMeasurements, context: JudgeContext, compiled?: CompiledJudgeConfig<SpyConfig>): JudgeOutcome {
      spy.received.push(compiled);
      return {
        stats: {},
        evidence: { judge: 'spy', regressed: false, improved: false, pValue: null, details: {} },
        memory: { ticks: ((context.memory as { ticks?: number } | undefined)?.ticks ?? 0) + 1 },
      };
    },
  };
  return spy;
}

const TEMPLATE = MINIMAL_TEMPLATE.replace('[{{ window }}]))\n', '[{{ window }}]))\n      judge: { type: spy, threshold: 3 }\n');

const source: MetricSource = {
  name: 'default',
  instantQuery: async (): Promise<Measurement> => ({ kind: 'value', value: 1 }),
  rangeQuery: async (): Promise<Measurement> => ({ kind: 'value', value: 1 }),
};

describe('judge config compiled once', () => {
  it('compiles a judge block when the template is loaded, and hands that config to every tick', async () => {
    const spy = spyJudge();
    const judges = new Map<string, MetricJudge>([['spy', spy]]);
    const parsed = parseTemplate(TEMPLATE, 't.yaml', {
      judgeValidator: () => [],
      judgeCompiler: (judge, selfName) => judges.get(judge.type)?.compile(judge, selfName),
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    expect(spy.compiles).toBe(1);
    const compiled = parsed.template.metrics[0]?.compiledJudge;
    expect(compiled).toEqual({ ok: true, config: { threshold: 3 } });

    const t0 = Date.UTC(2026, 0, 1);
    // Each tick judges the running analysis (the template's rule would promote it on the first).
    const state = startAnalysis(parsed.template, t0).state;
    let judgeMemory: Record<string, unknown> = {};
    for (let tick = 1; tick <= 3; tick += 1) {
      const result = await runTick(
        { template: parsed.template, args: { service: 'checkout' }, state, judgeMemory, now: t0 + tick * 60_000 },
        { source, judges, limit: createLimiter(4) },
      );
      judgeMemory = result.judgeMemory;
    }
    expect(spy.compiles).toBe(1);
    expect(spy.received).toHaveLength(3);
    expect(judgeMemory).toEqual({ errors: { ticks: 3 } });
    for (const received of spy.received) expect(received).toBe(compiled);
  });

  it('compiles a spec built by hand once, on its first tick', async () => {
    const spy = spyJudge();
    const judges = new Map<string, MetricJudge>([['spy', spy]]);
    const parsed = parseTemplate(TEMPLATE, 't.yaml', { judgeValidator: () => [] });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    expect(parsed.template.metrics[0]?.compiledJudge).toBeUndefined();
    const t0 = Date.UTC(2026, 0, 1);
    const state = startAnalysis(parsed.template, t0).state;
    for (let tick = 1; tick <= 3; tick += 1) {
      await runTick(
        { template: parsed.template, args: { service: 'checkout' }, state, judgeMemory: {}, now: t0 + tick * 60_000 },
        { source, judges, limit: createLimiter(4) },
      );
    }
    expect(spy.compiles).toBe(1);
    expect(spy.received.every((received) => received === spy.received[0] && received?.ok === true)).toBe(true);
  });

  it('the built-in judges compile their blocks at load: problems and configs are in the compiled template', () => {
    const text = MINIMAL_TEMPLATE.replace('[{{ window }}]))\n', '[{{ window }}]))\n      judge: { type: mann-whitney, sampleStep: 1m }\n');
    const parsed = parseTemplate(text, 't.yaml', judgeLoadOptions);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    expect(parsed.template.metrics[0]?.compiledJudge).toMatchObject({ ok: true, config: { sampleStepMs: 60_000 } });
  });
});
