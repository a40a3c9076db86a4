// What the daemon remembers for its gate metrics: the phase of every analysis (canaryd_analyses)
// and when ended analyses ended, so their series are removed after METRICS_RETENTION_MS.

import { ENDED_PHASES, type Phase } from '../analysis/types.js';

export function isTerminal(phase: Phase): boolean {
  return ENDED_PHASES.includes(phase);
}

export class PhaseTally {
  private readonly phases = new Map<string, Phase>();

  set(analysisId: string, phase: Phase): void {
    this.phases.set(analysisId, phase);
  }

  /** An analysis deleted from the store (retention) is no longer counted. */
  forget(analysisId: string): void {
    this.phases.delete(analysisId);
  }

  counts(): Partial<Record<Phase, number>> {
    const counts: Partial<Record<Phase, number>> = {};
    for (const phase of this.phases.values()) counts[phase] = (counts[phase] ?? 0) + 1;
    return counts;
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
