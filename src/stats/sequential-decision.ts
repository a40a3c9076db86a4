// What the sequential judges share once the e-values are known: anytime-valid p-values carried
// through the step, the decision by the metric's direction, and the outcome shapes.

import type { Direction, JudgeEvidence } from '../analysis/types.js';
import type { JudgeOutcome } from './judge.js';
import type { BurstinessCalibration } from './burstiness-calibration.js';
import type { Problem } from './sequential-readings.js';

/** The anytime-valid p-value: the running minimum of 1/E over the analysis' ticks. */
export function runningPValue(previous: number | undefined, eValue: number): number {
  const now = eValue > 1 ? 1 / eValue : 1;
  return Math.min(previous ?? 1, now);
}

export interface Decision {
  regressed: boolean;
  improved: boolean;
  pValue: number;
}

/**
 * `worse` tests "the canary is higher than allowed", `better` the mirrored "the canary is lower".
 * direction increase: higher is a regression; decrease: lower is; both: either, at α/2 each
 * (the reported p-value is Bonferroni-adjusted) and nothing counts as an improvement.
 */
export function decide(direction: Direction, alpha: number, higherPValue: number, lowerPValue: number): Decision {
  if (direction === 'decrease') return { regressed: lowerPValue <= alpha, improved: higherPValue <= alpha, pValue: lowerPValue };
  if (direction === 'both') {
    const pValue = Math.min(1, 2 * Math.min(higherPValue, lowerPValue));
    return { regressed: pValue <= alpha, improved: false, pValue };
  }
  return { regressed: higherPValue <= alpha, improved: lowerPValue <= alpha, pValue: higherPValue };
}

/** A tick the judge cannot use: missing or error, no verdict, and the memory carried unchanged. */
export function problemOutcome(judge: string, problem: Problem, memory: unknown): JudgeOutcome {
  const evidence: JudgeEvidence = { judge, regressed: null, improved: null, pValue: null, details: { problem: problem.message } };
  const stats = problem.kind === 'missing' ? { missing: true, message: problem.message } : { error: true, message: problem.message };
  return memory === undefined ? { stats, evidence } : { stats, evidence, memory };
}

/** Cumulative counts since the step began, advanced by the largest value seen so far (increase() can dip). */
export function advance(seen: number, now: number): { increment: number; seen: number } {
  return now > seen ? { increment: now - seen, seen: now } : { increment: 0, seen };
}

/** Ratio of two rates with 0/0 = null and x/0 = null (stats treat null as unknown). */
export function safeRatio(numerator: number, denominator: number): number | null {
  return denominator > 0 && Number.isFinite(numerator / denominator) ? numerator / denominator : null;
}

/** A number for evidence: rounded to 6 significant digits, null when not finite. */
export function evidenceNumber(value: number | null): number | null {
  if (value === null || !Number.isFinite(value)) return null;
  if (value === 0) return 0;
  const scale = 10 ** (5 - Math.floor(Math.log10(Math.abs(value))));
  const rounded = Math.round(value * scale) / scale;
  return Number.isFinite(rounded) ? rounded : value;
}

/** A calibration read back from judge memory (JSON), checked before use. */
export function isCalibration(value: unknown): value is BurstinessCalibration {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return (
    typeof candidate['basis'] === 'string' &&
    typeof candidate['bound'] === 'number' &&
    typeof candidate['podFactor'] === 'boolean' &&
    typeof candidate['alphaSpent'] === 'number' &&
    typeof candidate['reason'] === 'string'
  );
}

/** The calibration as evidence details. */
export function calibrationDetails(calibration: BurstinessCalibration): Record<string, number | string | boolean | null> {
  return {
    burstinessBasis: calibration.basis,
    burstinessBound: evidenceNumber(calibration.bound),
    burstinessEstimate: evidenceNumber(calibration.estimate),
    historyEvents: evidenceNumber(calibration.historyEvents),
    historyIntervals: calibration.historyIntervals,
    calibrationAlpha: evidenceNumber(calibration.alphaSpent),
    calibration: calibration.reason,
  };
}
