// `canaryd demo`: the README's first command (see src/demo/run-demo.ts).

import type { Command } from 'commander';
import { runDemo } from '../demo/run-demo.js';
import { EXIT } from './common.js';
import type { CommandIo } from './io.js';

export function registerDemo(program: Command, io: CommandIo): void {
  program
    .command('demo')
    .description('run a real demo: Prometheus, a demo service, canaryd serve; one canary promoted, one rolled back')
    .option('--timeout <seconds>', 'give up after this many seconds', '180')
    .action(async (flags: { timeout: string }) => {
      const controller = new AbortController();
      const stop = (): void => {
        io.progress('stopping the demo…');
        controller.abort();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        const outcome = await runDemo({
          print: (line) => io.stdout(`${line}\n`),
          timeoutMs: Number(flags.timeout) * 1000,
          signal: controller.signal,
        });
        io.setExitCode(outcome.ok ? EXIT.promote : EXIT.runtime);
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
}
