// What the daemon remembers for its gate metrics: the phase of every analysis (canaryd_analyses)
// and when ended analyses ended, so their series are removed after METRICS_RETENTION_MS.

import { ENDED_PHASES, type Phase } from '../analysis/types.js';

export function isTerminal(phase: Phase): boolean {
  return ENDED_PHASES.includes(phase);
}

export class PhaseTally {
  private readonly phases = new Map<string, Phase>();
  // Kept with every change: counts() runs on each published state, and walking 10 000 phases each
  // time made recovery quadratic.
  private readonly tally = new Map<Phase, number>();

  set(analysisId: string, phase: Phase): void {
    const previous = this.phases.get(analysisId);
    if (previous === phase) return;
    if (previous !== undefined) this.add(previous, -1);
    this.phases.set(analysisId, phase);
    this.add(phase, 1);
  }

  /** An analysis deleted from the store (retention) is no longer counted. */
  forget(analysisId: string): void {
    const previous = this.phases.get(analysisId);
    if (previous === undefined) return;
    this.phases.delete(analysisId);
    this.add(previous, -1);
  }

  counts(): Partial<Record<Phase, number>> {
    const counts: Partial<Record<Phase, number>> = {};
    for (const [phase, count] of this.tally) if (count > 0) counts[phase] = count;
    return counts;
  }

  private add(phase: Phase, by: number): void {
    this.tally.set(phase, (this.tally.get(phase) ?? 0) + by);
  }
}

export class EndedAnalyses {
  private readonly endedAt = new Map<string, number>();

  constructor(private readonly retentionMs: number) {}

  ended(analysisId: string, at: number): void {
    if (!this.endedAt.has(analysisId)) this.endedAt.set(analysisId, at);
  }

  /** Ids whose retention has passed at `now`; they are forgotten here too. */
  takeExpired(now: number): string[] {
    const expired = [...this.endedAt].filter(([, at]) => now - at >= this.retentionMs).map(([id]) => id);
    for (const id of expired) this.endedAt.delete(id);
    return expired;
  }

  pending(): string[] {
    return [...this.endedAt.keys()];
  }
}
