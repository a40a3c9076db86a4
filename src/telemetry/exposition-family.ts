// The per-analysis metric families (info, phase, step, weight, verdicts, metric values, regressed,
// p-value) kept as exposition lines, written when a value changes: a scrape joins lines that are
// already text instead of formatting every series again. prom-client formats every series of the
// registry on each scrape; at 10 000 analyses (~200 000 series, 25 MB) that blocked the event
// loop for 1–2 s. The rest of canaryd's metrics (a few dozen series) stay in the prom-client
// Registry; renderMetrics (metrics.ts) appends these families to its text.

import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { KeyedFamily, SeriesLabels } from './analysis-series.js';

/** Lines joined per slice of a scrape, between which the event loop runs (~250 KB of text). */
const LINES_PER_SLICE = 2_000;

const NEEDS_ESCAPE = /[\\\n"]/;

function escapeLabelValue(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value < 0 ? '-Inf' : '+Inf';
  return String(value);
}

interface Series {
  prefix: string;
  value: number;
  line: string;
}

export class ExpositionFamily implements KeyedFamily {
  private readonly series = new Map<string, Series>();
  private readonly header: string;

  constructor(
    readonly name: string,
    help: string,
    readonly type: 'gauge' | 'counter',
    private readonly labelNames: readonly string[],
  ) {
    this.header = `# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${name} ${type}`;
  }

  set(labels: SeriesLabels, value: number): void {
    this.setKeyed(this.keyOf(labels), value);
  }

  /** Sets the series whose key (its exposition prefix, from keyOf) is `prefix`. */
  setKeyed(prefix: string, value: number): void {
    const existing = this.series.get(prefix);
    if (existing !== undefined && Object.is(existing.value, value)) return;
    this.series.set(prefix, { prefix, value, line: `${prefix} ${formatValue(value)}` });
  }

  /** Adds to a series; returns its key. */
  inc(labels: SeriesLabels, by = 1): string {
    const prefix = this.keyOf(labels);
    this.setKeyed(prefix, (this.series.get(prefix)?.value ?? 0) + by);
    return prefix;
  }

  remove(labels: SeriesLabels): void {
    this.removeKeyed(this.keyOf(labels));
  }

  removeKeyed(prefix: string): void {
    this.series.delete(prefix);
  }

  /** The value of one series (tests, and callers that read their own gauges). */
  value(labels: SeriesLabels): number | undefined {
    return this.series.get(this.keyOf(labels))?.value;
  }

  get size(): number {
    return this.series.size;
  }

  /** HELP, TYPE and every series as text pieces ending in a newline, the event loop running between slices. */
  async *pieces(): AsyncGenerator<string> {
    yield `${this.header}\n`;
    let slice: string[] = [];
    for (const series of this.series.values()) {
      slice.push(series.line);
      if (slice.length < LINES_PER_SLICE) continue;
      yield `${slice.join('\n')}\n`;
      slice = [];
      await yieldToLoop();
    }
    if (slice.length > 0) yield `${slice.join('\n')}\n`;
  }

  /** The series' key: `name{label="value",...}` in the family's label order; a label not given is refused. */
  keyOf(labels: SeriesLabels): string {
    const pairs: string[] = [];
    for (const label of this.labelNames) {
      const value = labels[label];
      if (value === undefined) throw new Error(`${this.name}: label "${label}" is missing`);
      pairs.push(`${label}="${escapeLabelValue(value)}"`);
    }
    return `${this.name}{${pairs.join(',')}}`;
  }
}
