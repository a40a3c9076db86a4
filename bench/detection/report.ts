// The benchmark's printed tables.

import type { JudgeSummary, Row } from './summarize.js';

const percent = (value: number | null | undefined): string => (value === null || value === undefined ? '—' : `${(value * 100).toFixed(1)}%`);
const number = (value: number | null | undefined, digits = 1): string => (value === null || value === undefined ? '—' : value.toFixed(digits));

function table(header: string[], lines: string[][]): string {
  const widths = header.map((cell, column) => Math.max(cell.length, ...lines.map((line) => (line[column] ?? '').length)));
  const format = (cells: string[]): string => `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  return [format(header), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...lines.map(format)].join('\n');
}

export function summaryTable(summary: readonly JudgeSummary[]): string {
  return table(
    [
      'judge',
      'false aborts (all healthy)',
      'worst healthy scenario',
      'power',
      'median TTD (min)',
      'median TTD / oracle',
      'power bursty',
      'TTD/oracle bursty',
      'aborts before a mid-step onset',
    ],
    summary.map((row) => [
      row.judge,
      percent(row.falseAbortRate),
      percent(row.worstHealthyFalseAbortRate),
      percent(row.power),
      number(row.medianTimeToDetectMinutes),
      number(row.medianTimeToDetectRatioToOracle, 2),
      percent(row.powerBursty),
      number(row.medianTimeToDetectRatioToOracleBursty, 2),
      percent(row.preOnsetAbortRate),
    ]),
  );
}

export function falseAbortTable(summary: readonly JudgeSummary[]): string {
  const noises = [...new Set(summary.flatMap((row) => Object.keys(row.falseAbortRateByNoise)))];
  return table(
    ['judge', ...noises],
    summary.filter((row) => row.falseAbortRate !== null).map((row) => [row.judge, ...noises.map((noise) => percent(row.falseAbortRateByNoise[noise]))]),
  );
}

/** Per judge and family: power and median ratio to the oracle, by traffic. */
export function familyTable(rows: readonly Row[]): string {
  const judges = [...new Set(rows.map((row) => row.judge))];
  const lines: string[][] = [];
  for (const family of ['error-regression', 'latency-regression'] as const) {
    for (const rate of [...new Set(rows.map((row) => row.requestsPerSecond))].sort((a, b) => a - b)) {
      const selected = rows.filter(
        (row) => row.family === family && row.noise === 'poisson' && row.requestsPerSecond === rate && row.oracleDetectable === true,
      );
      if (selected.length === 0) continue;
      const cells = judges.map((judge) => {
        const own = selected.filter((row) => row.judge === judge);
        const runs = own.reduce((total, row) => total + row.runs, 0);
        const power = own.reduce((total, row) => total + row.abortRate * row.runs, 0) / Math.max(1, runs);
        const ratios = own.map((row) => row.ratioToOracle ?? Infinity).sort((a, b) => a - b);
        const middle = ratios[Math.floor(ratios.length / 2)];
        return `${percent(power)} / ${number(middle === undefined || !Number.isFinite(middle) ? null : middle, 2)}`;
      });
      lines.push([family, `${rate} req/s`, String(selected.length / judges.length), ...cells]);
    }
  }
  return table(['family', 'traffic', 'scenarios', ...judges.map((judge) => `${judge} power / TTD÷oracle`)], lines);
}

export function oracleSpeedTable(summary: readonly JudgeSummary[]): string {
  const speeds = summary[0]?.byOracleSpeed.map((entry) => entry.oracleMinutes) ?? [];
  return table(
    ['judge', ...speeds.map((speed) => `oracle ${speed} min: power / TTD÷oracle`)],
    summary.map((row) => [
      row.judge,
      ...row.byOracleSpeed.map((entry) => `${percent(entry.power)} / ${number(entry.medianTimeToDetectRatioToOracle, 2)} (${entry.scenarios})`),
    ]),
  );
}

const GROUPS: ReadonlyArray<{ label: string; select: (row: Row) => boolean }> = [
  { label: 'error regressions', select: (row) => row.family === 'error-regression' && row.steps === 1 },
  { label: 'latency regressions', select: (row) => row.family === 'latency-regression' && row.steps === 1 },
  { label: 'obvious regressions', select: (row) => row.family === 'obvious-regression' && row.steps === 1 },
  { label: 'multi-step, errors', select: (row) => row.family === 'error-regression' && row.steps > 1 },
  { label: 'multi-step, latency', select: (row) => row.family === 'latency-regression' && row.steps > 1 },
  { label: 'multi-step, obvious', select: (row) => row.family === 'obvious-regression' && row.steps > 1 },
];

const middle = (values: number[]): number | null => {
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (finite.length < values.length / 2) return null;
  const sorted = values.map((value) => (Number.isFinite(value) ? value : Infinity)).sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? null;
};

/** Per family of regressions the oracle detects (Poisson noise): power, median ticks and minutes to detect, TTD ÷ oracle. */
export function ticksTable(rows: readonly Row[], judges: readonly string[]): string {
  const lines: string[][] = [];
  for (const group of GROUPS) {
    const selected = rows.filter((row) => group.select(row) && row.noise === 'poisson' && row.oracleDetectable === true);
    if (selected.length === 0) continue;
    const cells = judges.map((judge) => {
      const own = selected.filter((row) => row.judge === judge);
      const runs = own.reduce((total, row) => total + row.runs, 0);
      const power = own.reduce((total, row) => total + row.abortRate * row.runs, 0) / Math.max(1, runs);
      const ticks = middle(own.map((row) => row.medianTicksToDetect ?? Infinity));
      const minutes = middle(own.map((row) => row.medianTimeToDetectMinutes ?? Infinity));
      const ratio = middle(own.map((row) => row.ratioToOracle ?? Infinity));
      return `${percent(power)} / ${number(ticks, 1)} / ${number(minutes, 1)} / ${number(ratio, 2)}`;
    });
    lines.push([group.label, String(selected.filter((row) => row.judge === judges[0]).length), ...cells]);
  }
  return table(['family', 'scenarios', ...judges.map((judge) => `${judge}: power / ticks / min / TTD÷oracle`)], lines);
}
