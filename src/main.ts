// CLI entry of the `canaryd` binary: parses arguments and dispatches to one command.

import { Command, CommanderError } from 'commander';
import { registerAnalyze } from './cli/analyze.js';
import { registerBacktest } from './cli/backtest.js';
import { CliError, EXIT } from './cli/common.js';
import type { CommandIo } from './cli/io.js';
import { registerServe } from './cli/serve.js';
import { registerValidate } from './cli/validate.js';
import { packageVersion } from './cli/version.js';
import { registerDemo } from './cli/demo.js';
import { registerRemoteCommands } from './cli/remote/index.js';
import { DomainError } from './analysis/errors.js';
import { errorEntry, isDomainErrorCode } from './errors/catalogue.js';

/** The exit code of a DomainError that reaches the CLI: the catalogue's (4, runtime, for a code forced in). */
export function domainErrorExitCode(error: DomainError): number {
  return isDomainErrorCode(error.code) ? errorEntry(error.code).exitCode : EXIT.runtime;
}

export async function main(argv: string[]): Promise<number> {
  let exitCode: number = EXIT.promote;
  const io: CommandIo = {
    stdout: (text) => process.stdout.write(text),
    progress: (text) => process.stderr.write(`${text}\n`),
    setExitCode: (code) => {
      exitCode = code;
    },
  };
  const program = new Command()
    .name('canaryd')
    .description('Canary analysis: judge baseline vs canary metrics, decide promote / hold / abort, explain why.')
    .version(packageVersion(), '-V, --version', "print canaryd's version")
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerValidate(program, io);
  registerAnalyze(program, io, () => Date.now());
  registerBacktest(program, io);
  registerServe(program, io);
  registerDemo(program, io);
  registerRemoteCommands(program, io);
  for (const command of program.commands) command.exitOverride();

  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end "successfully"; everything else commander rejects is a usage error.
      return error.exitCode === 0 ? EXIT.promote : EXIT.invalid;
    }
    if (error instanceof CliError) {
      process.stderr.write(`canaryd: ${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof DomainError) {
      // Most domain errors that reach the CLI come from the user's input (e.g. an argument unsafe for
      // its query); the catalogue (src/errors/catalogue.ts) says which exit code each code means.
      const field = error.field ? ` (${error.field})` : '';
      process.stderr.write(`canaryd: ${error.message}${field}\n`);
      return domainErrorExitCode(error);
    }
    throw error;
  }
}
