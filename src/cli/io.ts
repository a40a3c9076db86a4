// Where one-shot commands write: results on stdout, progress and problems on stderr.

import type { MetricSource } from '../sources/types.js';
import type { QueryDialect } from '../template/dialect.js';
import { CliError, EXIT, type OutputFormat } from './common.js';

export interface CommandIo {
  stdout(text: string): void;
  progress(text: string): void;
  setExitCode(code: number): void;
}

export function writeResult<T>(io: CommandIo, output: OutputFormat, result: T, formatText: (result: T) => string): void {
  io.stdout(output === 'json' ? `${JSON.stringify(result, null, 2)}\n` : formatText(result));
}

/**
 * One cheap query before a one-shot run, so an unreachable source is a runtime failure (exit 4) with its message,
 * instead of a long run of ticks that all failed. During the run, failures stay data. The query is
 * the source dialect's probe (PromQL: vector(1)).
 */
export async function checkSourceReachable(source: MetricSource, atMs: number, dialect: QueryDialect): Promise<void> {
  const probe = await source.instantQuery(dialect.probeQuery, atMs, { expect: 'single' });
  if (probe.kind === 'error') throw new CliError(probe.error.message, EXIT.runtime);
}
