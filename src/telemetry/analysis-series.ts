// prom-client 15 removes a series only by its complete label set (no removal by partial labels),
// and the per-analysis families work the same way, so the series written for each analysis are
// remembered here, by their family's series key, to be removed when it is forgotten.

export type SeriesLabels = Record<string, string>;

/** A family whose series are addressed by a key computed once from their labels (exposition-family.ts). */
export interface KeyedFamily {
  keyOf(labels: SeriesLabels): string;
  setKeyed(key: string, value: number): void;
  removeKeyed(key: string): void;
}

export interface DesiredSeries {
  labels: SeriesLabels;
  value: number;
}

export class AnalysisSeries {
  private readonly byAnalysis = new Map<string, Map<KeyedFamily, Set<string>>>();

  /** Remembers that `family` has the series `key` for the analysis. */
  track(analysisId: string, family: KeyedFamily, key: string): void {
    this.seriesOf(analysisId, family).add(key);
  }

  /**
   * Makes the analysis' series of a family exactly `desired`: sets them and removes every other
   * series of that family written for the analysis before (an old version, a metric now missing).
   */
  sync(analysisId: string, family: KeyedFamily, desired: readonly DesiredSeries[]): void {
    const tracked = this.seriesOf(analysisId, family);
    const keys = desired.map((series) => family.keyOf(series.labels));
    for (const key of tracked) {
      if (keys.includes(key)) continue;
      family.removeKeyed(key);
      tracked.delete(key);
    }
    for (const [index, series] of desired.entries()) {
      const key = keys[index] as string;
      family.setKeyed(key, series.value);
      tracked.add(key);
    }
  }

  /** Removes every series written for the analysis; returns how many were removed. */
  forget(analysisId: string): number {
    const families = this.byAnalysis.get(analysisId);
    if (families === undefined) return 0;
    let removed = 0;
    for (const [family, keys] of families) {
      for (const key of keys) {
        family.removeKeyed(key);
        removed += 1;
      }
    }
    this.byAnalysis.delete(analysisId);
    return removed;
  }

  analysisIds(): string[] {
    return [...this.byAnalysis.keys()];
  }

  private seriesOf(analysisId: string, family: KeyedFamily): Set<string> {
    let families = this.byAnalysis.get(analysisId);
    if (families === undefined) {
      families = new Map();
      this.byAnalysis.set(analysisId, families);
    }
    let keys = families.get(family);
    if (keys === undefined) {
      keys = new Set();
      families.set(family, keys);
    }
    return keys;
  }
}
