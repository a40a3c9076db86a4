// Checks (spec.checks): gate inputs that are not metrics. The evidence posted for each check is
// read at a tick's time: a check never posted, or older than its maxAge, is unknown, so it can
// never promote. Pure: `now` is an argument.

import type { StatLookup } from './conditions/evaluate.js';
import type { CheckEvidence, CheckReading, CheckSpec } from './types.js';

/** Conditions name a check's field as `checks.NAME.FIELD`; the tokenizer makes that metric "checks.NAME", stat FIELD. */
export const CHECKS_PREFIX = 'checks.';

export function isCheckRef(metric: string): boolean {
  return metric.startsWith(CHECKS_PREFIX);
}

export function checkNameOf(metric: string): string {
  return metric.slice(CHECKS_PREFIX.length);
}

export function isFresh(spec: CheckSpec, evidence: CheckEvidence, now: number): boolean {
  if (spec.maxAgeMs === null) return true;
  const at = Date.parse(evidence.at);
  return Number.isFinite(at) && now - at <= spec.maxAgeMs;
}

/** Every declared check as read at `now`: its evidence with its freshness, or null when never posted. */
export function readChecks(
  specs: readonly CheckSpec[],
  evidence: Readonly<Record<string, CheckEvidence>>,
  now: number,
): Record<string, CheckReading | null> {
  const readings: Record<string, CheckReading | null> = {};
  for (const spec of specs) {
    const posted = Object.hasOwn(evidence, spec.name) ? evidence[spec.name] : undefined;
    readings[spec.name] =
      posted === undefined
        ? null
        : { values: posted.values, source: posted.source, digest: posted.digest, at: posted.at, fresh: isFresh(spec, posted, now) };
  }
  return readings;
}

/** `metrics` answers metric stats; `checks.NAME.FIELD` refs read fresh check evidence (strings and stale ones are unknown). */
export function withChecks(metrics: StatLookup, readings: Readonly<Record<string, CheckReading | null>>): StatLookup {
  return (metric, stat) => {
    if (!isCheckRef(metric)) return metrics(metric, stat);
    const name = checkNameOf(metric);
    const reading = Object.hasOwn(readings, name) ? readings[name] : undefined;
    if (reading === undefined || reading === null || !reading.fresh) return null;
    const value = Object.hasOwn(reading.values, stat) ? reading.values[stat] : undefined;
    return typeof value === 'number' || typeof value === 'boolean' ? value : null;
  };
}
