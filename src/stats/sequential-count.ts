// Judge `sequential-count`: is the canary's event rate (errors per request, say) higher than the
// baseline's by more than allowedIncrease? Anytime-valid: its alpha holds at every tick of a step,
// however many ticks there are, on Poisson and on bursty (overdispersed) counts alike.
//
// Data: the judged metric and its `exposure` metric count events since the current step began
// (windowMode 'step': {{ window }} is the time since the step began), one number per variant. Each
// tick the judge takes the increments since the previous tick (counts from increase() are real
// numbers and may dip slightly between ticks; the largest value seen so far is what counts, and
// the math takes real counts as they are, with no rounding) and feeds one interval to the e-process
// of e-values-share.ts, with that interval's canary traffic share from the exposure increments.
// Using each interval's realised share (rather than a share estimated over the step) conditions on
// the traffic actually served, so the share is not a nuisance estimate: it is exact data.
//
// The mirrored test (canary lower by more than allowedIncrease) runs alongside and gives `improved`,
// or `regressed` for direction: decrease.

import type { MetricSpec } from '../analysis/types.js';
import type { JudgeConfigProblem, JudgeContext, JudgeOutcome, MetricJudge, VariantMeasurements } from './judge.js';
import {
  createShareEProcess,
  fitsShareOptions,
  isShareEProcessState,
  shareEValue,
  type ShareEProcessOptions,
  type ShareEProcessState,
  updateShareEProcess,
} from './e-values-share.js';
import { parseSequentialCountConfig, type SequentialCountConfig } from './sequential-config.js';
import { advance, decide, evidenceNumber, problemOutcome, runningPValue, safeRatio } from './sequential-decision.js';
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
  seen: Cumulative;
  higher: ShareEProcessState;
  lower: ShareEProcessState;
  higherPValue: number;
  lowerPValue: number;
  /** Intervals with events but no traffic to attribute them to (skipped). */
  skipped: number;
}

const ZERO: Cumulative = { canaryEvents: 0, baselineEvents: 0, canaryExposure: 0, baselineExposure: 0 };

function shareOptions(config: SequentialCountConfig): ShareEProcessOptions {
  return { toleratedRatio: 1 + config.allowedIncrease, robust: config.dispersion === 'robust' };
}

function isCumulative(value: unknown): value is Cumulative {
  if (typeof value !== 'object' || value === null) return false;
  return Object.keys(ZERO).every((key) => typeof (value as Record<string, unknown>)[key] === 'number');
}

function restoreMemory(memory: unknown, options: ShareEProcessOptions): CountMemory {
  if (typeof memory === 'object' && memory !== null) {
    const candidate = memory as Partial<CountMemory>;
    if (
      candidate.judge === TYPE &&
      isCumulative(candidate.seen) &&
      isShareEProcessState(candidate.higher) &&
      isShareEProcessState(candidate.lower) &&
      fitsShareOptions(candidate.higher, options) &&
      fitsShareOptions(candidate.lower, options) &&
      typeof candidate.higherPValue === 'number' &&
      typeof candidate.lowerPValue === 'number' &&
      typeof candidate.skipped === 'number'
    ) {
      return candidate as CountMemory;
    }
  }
  return {
    judge: TYPE,
    seen: ZERO,
    higher: createShareEProcess(options),
    lower: createShareEProcess(options),
    higherPValue: 1,
    lowerPValue: 1,
    skipped: 0,
  };
}

/** Feeds one interval (the increments since the last tick) to both one-sided e-processes. */
function step(memory: CountMemory, events: PerVariant<number>, exposure: PerVariant<number>): CountMemory {
  const canaryEvents = advance(memory.seen.canaryEvents, events.canary);
  const baselineEvents = advance(memory.seen.baselineEvents, events.baseline);
  const canaryExposure = advance(memory.seen.canaryExposure, exposure.canary);
  const baselineExposure = advance(memory.seen.baselineExposure, exposure.baseline);
  const seen = { canaryEvents: canaryEvents.seen, baselineEvents: baselineEvents.seen, canaryExposure: canaryExposure.seen, baselineExposure: baselineExposure.seen };
  const hasEvents = canaryEvents.increment + baselineEvents.increment > 0;
  // This interval's share when both variants served traffic in it, else the share over the step so far.
  const share =
    canaryExposure.increment > 0 && baselineExposure.increment > 0
      ? canaryExposure.increment / (canaryExposure.increment + baselineExposure.increment)
      : seen.canaryExposure / (seen.canaryExposure + seen.baselineExposure);
  if (!hasEvents) return { ...memory, seen };
  if (!(share > 0 && share < 1)) return { ...memory, seen, skipped: memory.skipped + 1 };
  const higher = updateShareEProcess(memory.higher, { canaryEvents: canaryEvents.increment, baselineEvents: baselineEvents.increment, canaryShare: share });
  const lower = updateShareEProcess(memory.lower, { canaryEvents: baselineEvents.increment, baselineEvents: canaryEvents.increment, canaryShare: 1 - share });
  return { ...memory, seen, higher, lower };
}

function judgeCounts(spec: MetricSpec, own: VariantMeasurements, context: JudgeContext): JudgeOutcome {
  const parsed = parseSequentialCountConfig(spec.judge ?? { type: TYPE }, null, spec.name);
  if (!parsed.ok) {
    const message = parsed.problems.map((problem) => `judge.${problem.path.join('.')}: ${problem.message}`).join('; ');
    return problemOutcome(TYPE, { kind: 'error', message }, context.memory);
  }
  const config = parsed.config;
  const options = shareOptions(config);
  const previous = restoreMemory(context.memory, options);

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
      return problemOutcome(TYPE, { kind: 'missing', message: `no ${variant} traffic yet: exposure ${config.exposure} is ${exposure.value[variant]}` }, previous);
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
  const decision = decide(spec.direction, config.alpha, memory.higherPValue, memory.lowerPValue);

  const { seen } = memory;
  const canaryRate = seen.canaryEvents / seen.canaryExposure;
  const baselineRate = seen.baselineEvents / seen.baselineExposure;
  const trafficShare = seen.canaryExposure / (seen.canaryExposure + seen.baselineExposure);
  const toleratedRatio = options.toleratedRatio;
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
        method: config.dispersion === 'robust' ? 'beta-binomial e-process (overdispersion-robust)' : 'binomial e-process (Poisson counts)',
        eValue: evidenceNumber(regressionE.eValue),
        threshold: evidenceNumber(1 / (spec.direction === 'both' ? config.alpha / 2 : config.alpha)),
        improvementEValue: spec.direction === 'both' ? null : evidenceNumber(improvementE.eValue),
        canaryEvents: evidenceNumber(seen.canaryEvents),
        baselineEvents: evidenceNumber(seen.baselineEvents),
        canaryExposure: evidenceNumber(seen.canaryExposure),
        baselineExposure: evidenceNumber(seen.baselineExposure),
        trafficShare: evidenceNumber(trafficShare),
        theta0: evidenceNumber((trafficShare * toleratedRatio) / (trafficShare * toleratedRatio + 1 - trafficShare)),
        rateRatio: evidenceNumber(safeRatio(canaryRate, baselineRate)),
        allowedIncrease: config.allowedIncrease,
        alpha: config.alpha,
        dispersion: evidenceNumber(higher.dispersion),
        intervals: higher.intervals,
        skippedIntervals: memory.skipped,
      },
    },
    memory,
  };
}

export const sequentialCountJudge: MetricJudge = {
  type: TYPE,
  validate(judge: Record<string, unknown>, metricNames: readonly string[], selfName: string): JudgeConfigProblem[] {
    const parsed = parseSequentialCountConfig(judge, metricNames, selfName);
    return parsed.ok ? [] : parsed.problems;
  },
  queryShape: () => ({ kind: 'single' }),
  windowMode: 'step',
  judge: judgeCounts,
};
