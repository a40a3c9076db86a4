// Exact tick lags from the audit trail. Each tick event's `at` is the moment the tick started
// (the `now` it judged with), and an analysis' ticks are due at startedAt + k·interval. The lag of
// a tick is how long after the latest slot at or before it the tick started: timer delay, the wait
// in the analysis' lane, and any time the event loop was busy. A tick that starts a whole interval
// late is attributed to the next slot, and the slot it should have served counts as missed.

export interface AnalysisTicks {
  startedAtMs: number;
  intervalMs: number;
  initialDelayMs: number;
  /** `at` of every tick event. */
  tickAtMs: number[];
  /** When the analysis ended (a decision to complete, abort or fail); no slot is due after it. */
  endedAtMs?: number | null;
}

export interface LagSummary {
  /** Slots in the window at which a tick was due (after the initial delay). */
  expected: number;
  /** Distinct due slots in the window served by a tick. */
  run: number;
  missed: number;
  /** Ticks attributed to a slot another tick already served (should be 0). */
  duplicates: number;
  /** Lags of the ticks served, in ms, ascending. */
  lagsMs: number[];
}

function slotsInWindow(analysis: AnalysisTicks, fromMs: number, toMs: number): number {
  const { startedAtMs, intervalMs, initialDelayMs } = analysis;
  const firstK = Math.max(1, Math.ceil(initialDelayMs / intervalMs), Math.ceil((fromMs - startedAtMs) / intervalMs));
  const lastK = Math.ceil((toMs - startedAtMs) / intervalMs) - 1; // slots strictly before toMs
  return Math.max(0, lastK - firstK + 1);
}

/** Lags and missed ticks of the slots in [fromMs, toMs). */
export function tickLags(analyses: readonly AnalysisTicks[], fromMs: number, toMs: number): LagSummary {
  const summary: LagSummary = { expected: 0, run: 0, missed: 0, duplicates: 0, lagsMs: [] };
  for (const analysis of analyses) {
    // The tick that ended it is due; the slots after it are not.
    const endMs = analysis.endedAtMs == null ? toMs : Math.min(toMs, analysis.endedAtMs + 1);
    const expected = slotsInWindow(analysis, fromMs, endMs);
    const served = new Set<number>();
    for (const at of analysis.tickAtMs) {
      const k = Math.floor((at - analysis.startedAtMs) / analysis.intervalMs);
      const slot = analysis.startedAtMs + k * analysis.intervalMs;
      if (slot < fromMs || slot >= toMs) continue;
      if (served.has(slot)) {
        summary.duplicates += 1;
        continue;
      }
      served.add(slot);
      summary.lagsMs.push(at - slot);
    }
    summary.expected += expected;
    summary.run += served.size;
    summary.missed += Math.max(0, expected - served.size);
  }
  summary.lagsMs.sort((a, b) => a - b);
  return summary;
}

/** Nearest-rank quantile of ascending values; null when empty. */
export function quantile(sortedAscending: readonly number[], q: number): number | null {
  if (sortedAscending.length === 0) return null;
  const rank = Math.min(sortedAscending.length - 1, Math.max(0, Math.ceil(q * sortedAscending.length) - 1));
  return sortedAscending[rank] as number;
}

export interface Distribution {
  count: number;
  min: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
  mean: number | null;
}

export function distribution(values: readonly number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.length === 0 ? null : sorted.reduce((total, value) => total + value, 0) / sorted.length;
  return {
    count: sorted.length,
    min: sorted[0] ?? null,
    p50: quantile(sorted, 0.5),
    p95: quantile(sorted, 0.95),
    p99: quantile(sorted, 0.99),
    max: sorted.at(-1) ?? null,
    mean,
  };
}
