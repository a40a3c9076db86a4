// `canaryd backtest`: what would this template have decided for a canary started at --start?

import type { Command } from 'commander';
import { createLimiter } from '../engine/limit.js';
import { runBacktest, type AnalysisReport } from '../engine/backtest.js';
import { CliError, EXIT, collectArg, loadTemplate, openSource, parseArgFlags, parseOutputFormat, parseTime, templateArgs, type SourceFlags } from './common.js';
import { judgeRegistry } from '../stats/registry.js';
import { formatReport } from './format-text.js';
import { parseCheckFlags } from './check-flags.js';
import { checkSourceReachable, writeResult, type CommandIo } from './io.js';

interface BacktestFlags extends SourceFlags {
  template: string;
  start: string;
  end: string;
  arg: string[];
  output: string;
  concurrency: string;
  check: string[];
}

export function registerBacktest(program: Command, io: CommandIo): void {
  program
    .command('backtest')
    .description('replay an analysis over history as if the canary had started at --start')
    .requiredOption('--template <file>', 'analysis template (YAML)')
    .requiredOption('--start <time>', 'when the canary started: RFC 3339 or unix seconds')
    .requiredOption('--end <time>', 'when to stop replaying: RFC 3339 or unix seconds')
    .option('--arg <key=value>', 'template argument (repeatable)', collectArg, [])
    .option('--source-url <url>', 'Prometheus-compatible HTTP API base URL')
    .option('--config <file>', "daemon config file whose `sources` provide the template's source")
    .option('--bearer-token-file <file>', 'file holding a bearer token for --source-url')
    .option('--bearer-token-env <name>', 'environment variable holding a bearer token for --source-url')
    .option('--timeout <duration>', 'query timeout for --source-url', '10s')
    .option('--concurrency <n>', 'queries in flight at once', '8')
    .option('--check <name=file>', 'evidence for a check of spec.checks: a JSON file {values, source, digest?}, as of --start (repeatable)', collectArg, [])
    .option('--output <format>', 'json | text', 'text')
    .action(async (flags: BacktestFlags) => {
      io.setExitCode(await backtest(flags, io));
    });
}

async function backtest(flags: BacktestFlags, io: CommandIo): Promise<number> {
  const output = parseOutputFormat(flags.output);
  const startMs = parseTime(flags.start, '--start');
  const endMs = parseTime(flags.end, '--end');
  if (endMs <= startMs) throw new CliError('--end must be after --start');
  const concurrency = Number(flags.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new CliError('--concurrency: expected a positive integer');
  const template = await loadTemplate(flags.template);
  const args = templateArgs(template, flags.template, parseArgFlags(flags.arg));
  const checks = await parseCheckFlags(flags.check, template, startMs);
  const { source, dialect } = await openSource(template, flags);
  try {
    await checkSourceReachable(source, startMs, dialect);
    const totalTicks = Math.floor((endMs - startMs) / template.intervalMs);
    const progressEvery = Math.max(1, Math.floor(totalTicks / 20));
    const report = await runBacktest(
      {
        template,
        args,
        startMs,
        endMs,
        checks,
        onTick: (tick, index) => {
          if (totalTicks >= 40 && index % progressEvery === 0) io.progress(`backtest: tick ${index + 1} at ${tick.at}: ${tick.verdict}`);
        },
      },
      { source, judges: judgeRegistry, limit: createLimiter(concurrency) },
    );
    writeResult(io, output, report, formatReport);
    return exitCodeFor(report);
  } finally {
    await source.close?.();
  }
}

export function exitCodeFor(report: AnalysisReport): number {
  return report.verdict === 'promote' ? EXIT.promote : report.verdict === 'abort' ? EXIT.abort : EXIT.hold;
}
