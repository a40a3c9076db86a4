// prom-client 15 removes a series only by its complete label set (no removal by partial labels),
// so the label sets written for each analysis are remembered here, to be removed when it is forgotten.

export type SeriesLabels = Record<string, string>;

export interface RemovableMetric {
  remove(labels: SeriesLabels): void;
}

export interface GaugeLike extends RemovableMetric {
  set(labels: SeriesLabels, value: number): void;
}

export interface DesiredSeries {
  labels: SeriesLabels;
  value: number;
}

function keyOf(labels: SeriesLabels): string {
  return JSON.stringify(
    Object.keys(labels)
      .sort()
      .map((name) => [name, labels[name]]),
  );
}

export class AnalysisSeries {
  private readonly byAnalysis = new Map<string, Map<RemovableMetric, Map<string, SeriesLabels>>>();

  /** Remembers that `metric` has a series with `labels` for the analysis. */
  track(analysisId: string, metric: RemovableMetric, labels: SeriesLabels): void {
    this.seriesOf(analysisId, metric).set(keyOf(labels), labels);
  }

  /**
   * Makes the analysis' series of a gauge exactly `desired`: sets them and removes every other
   * series of that gauge written for the analysis before (an old version, a metric now missing).
   */
  sync(analysisId: string, gauge: GaugeLike, desired: readonly DesiredSeries[]): void {
    const tracked = this.seriesOf(analysisId, gauge);
    const wanted = new Set(desired.map((series) => keyOf(series.labels)));
    for (const [key, labels] of tracked) {
      if (wanted.has(key)) continue;
      gauge.remove(labels);
      tracked.delete(key);
    }
    for (const series of desired) {
      gauge.set(series.labels, series.value);
      tracked.set(keyOf(series.labels), series.labels);
    }
  }

  /** Removes every series written for the analysis; returns how many were removed. */
  forget(analysisId: string): number {
    const metrics = this.byAnalysis.get(analysisId);
    if (metrics === undefined) return 0;
    let removed = 0;
    for (const [metric, series] of metrics) {
      for (const labels of series.values()) {
        metric.remove(labels);
        removed += 1;
      }
    }
    this.byAnalysis.delete(analysisId);
    return removed;
  }

  analysisIds(): string[] {
    return [...this.byAnalysis.keys()];
  }

  private seriesOf(analysisId: string, metric: RemovableMetric): Map<string, SeriesLabels> {
    let metrics = this.byAnalysis.get(analysisId);
    if (metrics === undefined) {
      metrics = new Map();
      this.byAnalysis.set(analysisId, metrics);
    }
    let series = metrics.get(metric);
    if (series === undefined) {
      series = new Map();
      metrics.set(metric, series);
    }
    return series;
  }
}
