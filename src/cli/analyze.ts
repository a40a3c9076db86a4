// `canaryd analyze`: one judgement now (or at --at), for CI pipelines and scripts.

import type { Command } from 'commander';
import { startAnalysis } from '../analysis/step-machine.js';
import { buildReport, reportTick, type AnalysisReport } from '../engine/backtest.js';
import { createLimiter } from '../engine/limit.js';
import { runTick } from '../engine/tick.js';
import {
  CliError,
  EXIT,
  collectArg,
  loadTemplate,
  openSource,
  parseArgFlags,
  parseDurationFlag,
  parseOutputFormat,
  parseTime,
  templateArgs,
  type SourceFlags,
} from './common.js';
import { judgeRegistry } from '../stats/registry.js';
import { formatReport } from './format-text.js';
import { buildGateReport } from '../daemon/gate-report.js';
import { parseCheckFlags } from './check-flags.js';
import { checkSourceReachable, writeResult, type CommandIo } from './io.js';

interface AnalyzeFlags extends SourceFlags {
  template: string;
  arg: string[];
  at?: string;
  window?: string;
  step: string;
  output: string;
  check: string[];
}

const DEFAULT_WINDOW_MS = 10 * 60_000;

export function registerAnalyze(program: Command, io: CommandIo, now: () => number): void {
  program
    .command('analyze')
    .description('judge the canary once, now or at --at; the rules decide directly (minDuration does not apply)')
    .requiredOption('--template <file>', 'analysis template (YAML)')
    .option('--arg <key=value>', 'template argument (repeatable)', collectArg, [])
    .option('--at <time>', 'evaluation time: RFC 3339 or unix seconds (default: now)')
    .option('--window <duration>', "window to judge (default: the template's lookback, else 10m)")
    .option('--step <n>', 'the step (1-based) the canary is at, for its weight in the output', '1')
    .option('--source-url <url>', 'Prometheus-compatible HTTP API base URL')
    .option('--config <file>', "daemon config file whose `sources` provide the template's source")
    .option('--bearer-token-file <file>', 'file holding a bearer token for --source-url')
    .option('--bearer-token-env <name>', 'environment variable holding a bearer token for --source-url')
    .option('--timeout <duration>', 'query timeout for --source-url', '10s')
    .option('--check <name=file>', 'evidence for a check of spec.checks: a JSON file {values, source, digest?} (repeatable)', collectArg, [])
    .option('--output <format>', 'json | text | gate (the gate report of seed 002)', 'text')
    .action(async (flags: AnalyzeFlags) => {
      io.setExitCode(await analyze(flags, io, now));
    });
}

async function analyze(flags: AnalyzeFlags, io: CommandIo, now: () => number): Promise<number> {
  const gate = flags.output === 'gate';
  if (!gate && flags.output !== 'json' && flags.output !== 'text') throw new CliError(`--output: expected "json", "text" or "gate", got "${flags.output}"`);
  const output = gate ? 'json' : parseOutputFormat(flags.output);
  const atMs = flags.at === undefined ? now() : parseTime(flags.at, '--at');
  const template = await loadTemplate(flags.template);
  const windowMs = flags.window === undefined ? (template.lookbackMs ?? DEFAULT_WINDOW_MS) : parseDurationFlag(flags.window, '--window');
  const stepNumber = Number(flags.step);
  if (!Number.isInteger(stepNumber) || stepNumber < 1 || stepNumber > template.steps.length) {
    throw new CliError(`--step: expected 1..${template.steps.length} (the template has ${template.steps.length} steps), got "${flags.step}"`);
  }
  const args = templateArgs(template, flags.template, parseArgFlags(flags.arg));
  const checks = await parseCheckFlags(flags.check, template, atMs);
  const { source, dialect } = await openSource(template, flags);
  try {
    await checkSourceReachable(source, atMs, dialect);
    const started = startAnalysis(template, atMs - windowMs).state;
    const state = { ...started, stepIndex: stepNumber - 1 };
    const result = await runTick(
      { template, args, state, judgeMemory: {}, now: atMs, ignoreMinDuration: true, windowMs, checks },
      { source, judges: judgeRegistry, limit: createLimiter(8) },
    );
    const tick = reportTick(template, state.stepIndex, result.verdict);
    const report: AnalysisReport = {
      ...buildReport(template, args, result.state, [tick]),
      // One judgement: the tick's own verdict decides (a promote on an early step means "go ahead").
      verdict: tick.verdict === 'promote' ? 'promote' : tick.verdict === 'abort' ? 'abort' : 'hold',
      decidedAt: tick.verdict === 'promote' || tick.verdict === 'abort' ? tick.at : null,
      step: state.stepIndex,
      weight: tick.weight,
      rule: tick.rule,
      reason: tick.reason,
    };
    if (gate) {
      // No analysis id in a one-shot run: the gate is named by the template and the judgement's time.
      const gateReport = buildGateReport({ gateId: `analyze:${template.name}@${tick.at}`, verdict: result.verdict, phase: null, owners: template.owners });
      writeResult(io, output, gateReport, () => '');
    } else {
      writeResult(io, output, report, formatReport);
    }
    return report.verdict === 'promote' ? EXIT.promote : report.verdict === 'abort' ? EXIT.abort : EXIT.hold;
  } finally {
    await source.close?.();
  }
}
