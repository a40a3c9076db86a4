// From raw abort times to the benchmark's rows (judge × scenario) and summary (per judge).

import type { ScenarioOutcome } from './run.js';
import type { Noise, Scenario } from './scenarios.js';

export const ORACLE = 'oracle-sprt';
/** A regression counts as one the oracle detects within the canary's lifetime when it does in this share of runs. */
export const ORACLE_DETECTABLE = 0.95;

export interface Row {
  judge: string;
  scenario: string;
  family: Scenario['family'];
  noise: Noise;
  noiseCv: number;
  requestsPerSecond: number;
  canaryShare: number;
  errorRatio: number;
  latencyScale: number;
  onsetMinutes: number;
  /** Traffic steps of the canary (1: one share throughout). */
  steps: number;
  runs: number;
  aborts: number;
  /** Healthy: aborts / runs. Regressions: aborts after the onset / runs. */
  abortRate: number;
  preOnsetAborts: number;
  /** Median over all runs (never detected = ∞, so null when under half detect), in minutes after the onset. */
  medianTimeToDetectMinutes: number | null;
  /** The same in ticks (judgements) after the onset. */
  medianTicksToDetect: number | null;
  oracleMedianTimeToDetectMinutes: number | null;
  ratioToOracle: number | null;
  oracleDetectable: boolean | null;
}

export interface JudgeSummary {
  judge: string;
  falseAbortRate: number | null;
  worstHealthyFalseAbortRate: number | null;
  worstHealthyScenario: string | null;
  falseAbortRateByNoise: Partial<Record<string, number>>;
  power: number | null;
  medianTimeToDetectMinutes: number | null;
  medianTimeToDetectRatioToOracle: number | null;
  powerBursty: number | null;
  medianTimeToDetectRatioToOracleBursty: number | null;
  powerAllRegressions: number | null;
  preOnsetAbortRate: number | null;
  /** Power and median ratio to the oracle by how fast the oracle is (its median time to detect). */
  byOracleSpeed: Array<{ oracleMinutes: string; scenarios: number; power: number | null; medianTimeToDetectRatioToOracle: number | null }>;
}

const ORACLE_SPEEDS: ReadonlyArray<{ label: string; from: number; to: number }> = [
  { label: '1–2', from: 0, to: 2 },
  { label: '3–10', from: 2, to: 10 },
  { label: '> 10', from: 10, to: Infinity },
];

const finiteOrNull = (value: number): number | null => (Number.isFinite(value) ? value : null);

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Minutes from the onset to the abort; ∞ for no abort or an abort before the onset. */
function detectionMinutes(scenario: Scenario, abort: number | null): number {
  if (abort === null || abort <= scenario.onsetIntervals) return Infinity;
  return ((abort - scenario.onsetIntervals) * scenario.intervalSeconds) / 60;
}

function scenarioRow(judge: string, outcome: ScenarioOutcome): Row {
  const { scenario } = outcome;
  const aborts = outcome.aborts[judge] ?? [];
  const times = aborts.map((abort) => detectionMinutes(scenario, abort));
  const oracleTimes = (outcome.aborts[ORACLE] ?? []).map((abort) => detectionMinutes(scenario, abort));
  const healthy = scenario.family === 'healthy';
  const detected = times.filter(Number.isFinite).length;
  const judgeMedian = healthy ? Number.NaN : median(times);
  const oracleMedian = healthy ? Number.NaN : median(oracleTimes);
  const oracleRate = oracleTimes.filter(Number.isFinite).length / Math.max(1, oracleTimes.length);
  const applicable = !(healthy && judge === ORACLE);
  return {
    judge,
    scenario: scenario.id,
    family: scenario.family,
    noise: scenario.noise,
    noiseCv: scenario.noiseCv,
    requestsPerSecond: scenario.requestsPerSecond,
    canaryShare: scenario.canaryShare,
    errorRatio: scenario.errorRatio,
    latencyScale: scenario.latencyScale,
    onsetMinutes: (scenario.onsetIntervals * scenario.intervalSeconds) / 60,
    steps: scenario.steps.length,
    runs: aborts.length,
    aborts: aborts.filter((abort) => abort !== null).length,
    abortRate: applicable ? (healthy ? aborts.filter((abort) => abort !== null).length : detected) / Math.max(1, aborts.length) : Number.NaN,
    preOnsetAborts: aborts.filter((abort) => abort !== null && abort <= scenario.onsetIntervals).length,
    medianTimeToDetectMinutes: finiteOrNull(judgeMedian),
    medianTicksToDetect: finiteOrNull((judgeMedian * 60) / scenario.intervalSeconds),
    oracleMedianTimeToDetectMinutes: finiteOrNull(oracleMedian),
    ratioToOracle: healthy ? null : finiteOrNull(judgeMedian / oracleMedian),
    oracleDetectable: healthy ? null : oracleRate >= ORACLE_DETECTABLE,
  };
}

function pooledRate(rows: readonly Row[]): number | null {
  const runs = rows.reduce((total, row) => total + row.runs, 0);
  if (runs === 0) return null;
  return rows.reduce((total, row) => total + row.abortRate * row.runs, 0) / runs;
}

function summarizeJudge(judge: string, rows: readonly Row[], outcomes: readonly ScenarioOutcome[]): JudgeSummary {
  const healthy = rows.filter((row) => row.family === 'healthy' && Number.isFinite(row.abortRate));
  const worst = healthy.reduce<Row | null>((max, row) => (max === null || row.abortRate > max.abortRate ? row : max), null);
  const byNoise: Partial<Record<string, number>> = {};
  for (const row of healthy) {
    const key = row.noise === 'arm-gamma' ? `arm-gamma-${row.noiseCv}` : row.noise;
    const sameNoise = healthy.filter((other) => (other.noise === 'arm-gamma' ? `arm-gamma-${other.noiseCv}` : other.noise) === key);
    byNoise[key] = pooledRate(sameNoise) ?? undefined;
  }
  const regressions = rows.filter((row) => row.family !== 'healthy');
  const poisson = regressions.filter((row) => row.noise === 'poisson' && row.oracleDetectable === true);
  const bursty = regressions.filter((row) => row.noise !== 'poisson' && row.oracleDetectable === true);
  const detectedTimes: number[] = [];
  for (const outcome of outcomes) {
    const row = poisson.find((candidate) => candidate.scenario === outcome.scenario.id);
    if (!row) continue;
    for (const abort of outcome.aborts[judge] ?? []) {
      const minutes = detectionMinutes(outcome.scenario, abort);
      if (Number.isFinite(minutes)) detectedTimes.push(minutes);
    }
  }
  const ratios = (list: readonly Row[]): number | null => (list.length === 0 ? null : finiteOrNull(median(list.map((row) => row.ratioToOracle ?? Infinity))));
  const midStep = regressions.filter((row) => row.onsetMinutes > 0);
  const midStepRuns = midStep.reduce((total, row) => total + row.runs, 0);
  return {
    judge,
    falseAbortRate: pooledRate(healthy),
    worstHealthyFalseAbortRate: worst?.abortRate ?? null,
    worstHealthyScenario: worst?.scenario ?? null,
    falseAbortRateByNoise: byNoise,
    power: pooledRate(poisson),
    medianTimeToDetectMinutes: detectedTimes.length === 0 ? null : median(detectedTimes),
    medianTimeToDetectRatioToOracle: ratios(poisson),
    powerBursty: pooledRate(bursty),
    medianTimeToDetectRatioToOracleBursty: ratios(bursty),
    powerAllRegressions: pooledRate(regressions),
    byOracleSpeed: ORACLE_SPEEDS.map(({ label, from, to }) => {
      const selected = poisson.filter(
        (row) => (row.oracleMedianTimeToDetectMinutes ?? Infinity) > from && (row.oracleMedianTimeToDetectMinutes ?? Infinity) <= to,
      );
      return { oracleMinutes: label, scenarios: selected.length, power: pooledRate(selected), medianTimeToDetectRatioToOracle: ratios(selected) };
    }),
    preOnsetAbortRate: midStepRuns === 0 ? null : midStep.reduce((total, row) => total + row.preOnsetAborts, 0) / midStepRuns,
  };
}

export function summarize(outcomes: readonly ScenarioOutcome[]): { summary: JudgeSummary[]; rows: Row[] } {
  const judges = Object.keys(outcomes[0]?.aborts ?? {});
  const rows = judges.flatMap((judge) => outcomes.map((outcome) => scenarioRow(judge, outcome)));
  const summary = judges.map((judge) =>
    summarizeJudge(
      judge,
      rows.filter((row) => row.judge === judge),
      outcomes,
    ),
  );
  return { summary, rows };
}
