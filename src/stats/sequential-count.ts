// Judge `sequential-count`: is the canary's event rate (errors per request, say) higher than the
// baseline's by more than allowedIncrease? Anytime-valid for the whole analysis: its alpha holds
// over every tick of every step, on Poisson and on bursty (overdispersed) counts alike.
//
// Data: the judged metric and its `exposure` metric count events since the current step began
// (windowMode 'step': {{ window }} is the time since the step began), one number per variant. Each
// tick the judge takes the increments since the previous tick (counts from increase() are real
// numbers and may dip slightly between ticks; the largest value seen so far in the step is what
// counts) and feeds one interval to the e-process of e-values-share.ts, with that interval's canary
// traffic share from the exposure increments. When the step changes, the per-step counters restart
// and the e-process goes on (see e-values-share.ts for why that stays valid).
//
// Burstiness (dispersion: calibrated, the default): on its first judgement the judge reads the
// baseline's history (`history`, 6h by default) of both metrics and bounds the burstiness from it
// (burstiness-calibration.ts); the test then runs at α − δ, δ spent on the bound.
//
// The mirrored test (canary lower by more than allowedIncrease) runs alongside and gives `improved`,
// or `regressed` for direction: decrease.

import type { MetricSpec } from '../analysis/types.js';
import type { BurstinessCalibration } from './burstiness-calibration.js';
import { podBurstFactors } from './burstiness.js';
import { createShareEProcess, isShareEProcessState, shareEValue, type ShareEProcessState, updateShareEProcess } from './e-values-share.js';
import type { CompiledJudgeConfig, HistoryRequest, JudgeConfigProblem, JudgeContext, JudgeOutcome, MetricJudge, VariantMeasurements } from './judge.js';
import { parseSequentialCountConfig, type SequentialCountConfig } from './sequential-config.js';
import { advance, calibrationDetails, decide, evidenceNumber, isCalibration, problemOutcome, runningPValue, safeRatio } from './sequential-decision.js';
import { chooseCalibration, countHistory } from './sequential-history.js';
import { readCounts, type PerVariant } from './sequential-readings.js';

const TYPE = 'sequential-count';

interface Cumulative {
  canaryEvents: number;
  baselineEvents: number;
  canaryExposure: number;
  baselineExposure: number;
}

interface CountMemory {
  judge: typeof TYPE;
  toleratedRatio: number;
  /** The step the per-step counters in `seen` belong to. */
  step: number;
  seen: Cumulative;
  /** Totals over the analysis, for the evidence. */
  total: Cumulative;
  calibration: BurstinessCalibration;
  higher: ShareEProcessState;
  lower: ShareEProcessState;
  higherPValue: number;
  lowerPValue: number;
  /** Intervals with events but no traffic to attribute them to (skipped). */
  skipped: number;
}

const ZERO: Cumulative = { canaryEvents: 0, baselineEvents: 0, canaryExposure: 0, baselineExposure: 0 };

function isCumulative(value: unknown): value is Cumulative {
  if (typeof value !== 'object' || value === null) return false;
  return Object.keys(ZERO).every((key) => typeof (value as Record<string, unknown>)[key] === 'number');
}

function freshMemory(config: SequentialCountConfig, spec: MetricSpec, context: JudgeContext): CountMemory {
  const history = countHistory(context.history?.get(spec.name), context.history?.get(config.exposure));
  const calibration = chooseCalibration(config, history, config.alpha);
  const options = { toleratedRatio: 1 + config.allowedIncrease, burstinessBound: calibration.bound, podTerm: calibration.podFactor };
  return {
    judge: TYPE,
    toleratedRatio: options.toleratedRatio,
    step: context.stepIndex,
    seen: ZERO,
    total: ZERO,
    calibration,
    higher: createShareEProcess(options),
    lower: createShareEProcess(options),
    higherPValue: 1,
    lowerPValue: 1,
    skipped: 0,
  };
}

function restoreMemory(config: SequentialCountConfig, spec: MetricSpec, context: JudgeContext): CountMemory {
  const memory = context.memory;
  if (typeof memory === 'object' && memory !== null) {
    const candidate = memory as Partial<CountMemory>;
    if (
      candidate.judge === TYPE &&
      candidate.toleratedRatio === 1 + config.allowedIncrease &&
      typeof candidate.step === 'number' &&
      isCumulative(candidate.seen) &&
      isCumulative(candidate.total) &&
      isCalibration(candidate.calibration) &&
      isShareEProcessState(candidate.higher) &&
      isShareEProcessState(candidate.lower) &&
      typeof candidate.higherPValue === 'number' &&
      typeof candidate.lowerPValue === 'number' &&
      typeof candidate.skipped === 'number'
    ) {
      const restored = candidate as CountMemory;
      // A new step: its counts start from zero; the evidence goes on.
      return restored.step === context.stepIndex ? restored : { ...restored, step: context.stepIndex, seen: ZERO };
    }
  }
  return freshMemory(config, spec, context);
}

/** Feeds one interval (the increments since the last tick) to both one-sided e-processes. */
function step(memory: CountMemory, events: PerVariant<number>, exposure: PerVariant<number>): CountMemory {
  const canaryEvents = advance(memory.seen.canaryEvents, events.canary);
  const baselineEvents = advance(memory.seen.baselineEvents, events.baseline);
  const canaryExposure = advance(memory.seen.canaryExposure, exposure.canary);
  const baselineExposure = advance(memory.seen.baselineExposure, exposure.baseline);
  const seen = {
    canaryEvents: canaryEvents.seen,
    baselineEvents: baselineEvents.seen,
    canaryExposure: canaryExposure.seen,
    baselineExposure: baselineExposure.seen,
  };
  const total = {
    canaryEvents: memory.total.canaryEvents + canaryEvents.increment,
    baselineEvents: memory.total.baselineEvents + baselineEvents.increment,
    canaryExposure: memory.total.canaryExposure + canaryExposure.increment,
    baselineExposure: memory.total.baselineExposure + baselineExposure.increment,
  };
  const hasEvents = canaryEvents.increment + baselineEvents.increment > 0;
  // This interval's share when both variants served traffic in it, else the share over the step so far.
  const share =
    canaryExposure.increment > 0 && baselineExposure.increment > 0
      ? canaryExposure.increment / (canaryExposure.increment + baselineExposure.increment)
      : seen.canaryExposure / (seen.canaryExposure + seen.baselineExposure);
  if (!hasEvents) return { ...memory, seen, total };
  if (!(share > 0 && share < 1)) return { ...memory, seen, total, skipped: memory.skipped + 1 };
  const factors = memory.calibration.podFactor ? podBurstFactors(share) : { canary: 1, baseline: 1 };
  const higher = updateShareEProcess(memory.higher, {
    canaryEvents: canaryEvents.increment,
    baselineEvents: baselineEvents.increment,
    canaryShare: share,
    canaryBurstFactor: factors.canary,
    baselineBurstFactor: factors.baseline,
  });
  const lower = updateShareEProcess(memory.lower, {
    canaryEvents: baselineEvents.increment,
    baselineEvents: canaryEvents.increment,
    canaryShare: 1 - share,
    canaryBurstFactor: factors.baseline,
    baselineBurstFactor: factors.canary,
  });
  return { ...memory, seen, total, higher, lower };
}

function compileCounts(judge: Record<string, unknown>, selfName: string): CompiledJudgeConfig<SequentialCountConfig> {
  return parseSequentialCountConfig(judge, null, selfName);
}

function judgeCounts(
  spec: MetricSpec,
  own: VariantMeasurements,
  context: JudgeContext,
  parsed: CompiledJudgeConfig<SequentialCountConfig> = compileCounts(spec.judge ?? { type: TYPE }, spec.name),
): JudgeOutcome {
  if (!parsed.ok) {
    const message = parsed.problems.map((problem) => `judge.${problem.path.join('.')}: ${problem.message}`).join('; ');
    return problemOutcome(TYPE, { kind: 'error', message }, context.memory);
  }
  const config = parsed.config;
  const previous = restoreMemory(config, spec, context);

  const events = readCounts(own, spec.name);
  if (!events.ok) return problemOutcome(TYPE, events.problem, previous);
  const exposureMeasurements = context.measurements.get(config.exposure);
  if (exposureMeasurements === undefined) {
    return problemOutcome(TYPE, { kind: 'error', message: `exposure metric "${config.exposure}" was not measured this tick` }, previous);
  }
  const exposure = readCounts(exposureMeasurements, `exposure ${config.exposure}`);
  if (!exposure.ok) return problemOutcome(TYPE, exposure.problem, previous);
  for (const variant of ['canary', 'baseline'] as const) {
    if (!(exposure.value[variant] > 0)) {
      return problemOutcome(
        TYPE,
        { kind: 'missing', message: `no ${variant} traffic yet: exposure ${config.exposure} is ${exposure.value[variant]}` },
        previous,
      );
    }
  }

  const advanced = step(previous, events.value, exposure.value);
  const higher = shareEValue(advanced.higher);
  const lower = shareEValue(advanced.lower);
  const memory: CountMemory = {
    ...advanced,
    higherPValue: runningPValue(previous.higherPValue, higher.eValue),
    lowerPValue: runningPValue(previous.lowerPValue, lower.eValue),
  };
  // The calibration may miss with probability δ: p + δ is the p-value of the whole procedure.
  const spent = memory.calibration.alphaSpent;
  const testAlpha = config.alpha - spent;
  const decision = decide(spec.direction, config.alpha, Math.min(1, memory.higherPValue + spent), Math.min(1, memory.lowerPValue + spent));

  const { total } = memory;
  const canaryRate = total.canaryEvents / total.canaryExposure;
  const baselineRate = total.baselineEvents / total.baselineExposure;
  const trafficShare = memory.seen.canaryExposure / (memory.seen.canaryExposure + memory.seen.baselineExposure);
  const toleratedRatio = memory.toleratedRatio;
  const regressionE = spec.direction === 'decrease' ? lower : spec.direction === 'both' ? (higher.eValue >= lower.eValue ? higher : lower) : higher;
  const improvementE = spec.direction === 'decrease' ? higher : lower;
  return {
    stats: {
      baseline: baselineRate,
      canary: canaryRate,
      delta: canaryRate - baselineRate,
      change: safeRatio(canaryRate - baselineRate, Math.abs(baselineRate)),
      ratio: safeRatio(canaryRate, baselineRate),
    },
    evidence: {
      judge: TYPE,
      regressed: decision.regressed,
      improved: decision.improved,
      pValue: evidenceNumber(decision.pValue),
      details: {
        method: `beta-binomial e-process over the analysis (${memory.calibration.basis} burstiness bound)`,
        eValue: evidenceNumber(regressionE.eValue),
        threshold: evidenceNumber(1 / (spec.direction === 'both' ? testAlpha / 2 : testAlpha)),
        improvementEValue: spec.direction === 'both' ? null : evidenceNumber(improvementE.eValue),
        canaryEvents: evidenceNumber(total.canaryEvents),
        baselineEvents: evidenceNumber(total.baselineEvents),
        canaryExposure: evidenceNumber(total.canaryExposure),
        baselineExposure: evidenceNumber(total.baselineExposure),
        trafficShare: evidenceNumber(trafficShare),
        theta0: evidenceNumber((trafficShare * toleratedRatio) / (trafficShare * toleratedRatio + 1 - trafficShare)),
        rateRatio: evidenceNumber(safeRatio(canaryRate, baselineRate)),
        allowedIncrease: config.allowedIncrease,
        alpha: config.alpha,
        burstiness: evidenceNumber(higher.burstiness),
        intervals: higher.intervals,
        skippedIntervals: memory.skipped,
        ...calibrationDetails(memory.calibration),
      },
    },
    memory,
  };
}

export const sequentialCountJudge: MetricJudge<SequentialCountConfig> = {
  type: TYPE,
  validate(judge: Record<string, unknown>, metricNames: readonly string[], selfName: string): JudgeConfigProblem[] {
    const parsed = parseSequentialCountConfig(judge, metricNames, selfName);
    return parsed.ok ? [] : parsed.problems;
  },
  queryShape: () => ({ kind: 'single' }),
  windowMode: 'step',
  history(judge: Record<string, unknown>, selfName: string): HistoryRequest | null {
    const parsed = parseSequentialCountConfig(judge, null, selfName);
    if (!parsed.ok || parsed.config.dispersion !== 'calibrated') return null;
    return { metrics: [selfName, parsed.config.exposure], windowMs: parsed.config.historyMs };
  },
  compile: compileCounts,
  judge: judgeCounts,
};
