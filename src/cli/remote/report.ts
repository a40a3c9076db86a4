// `canaryd report ID`: the HTML canary report of an analysis (GET /v1/analyses/{id}/report)
// written to stdout, so `canaryd report ID > report.html`.

import type { Command } from 'commander';
import { EXIT } from '../common.js';
import type { CommandIo } from '../io.js';
import { segment } from './client.js';
import { type DaemonFlags, SERVER_ENV, TOKEN_ENV } from './connection.js';
import type { RemoteDeps } from './deps.js';

export function registerReport(program: Command, io: CommandIo, deps: RemoteDeps): void {
  program
    .command('report')
    .description('write the HTML canary report of an analysis to stdout (canaryd report ID > report.html)')
    .argument('<id>', 'the analysis id')
    .option('--server <url>', `the daemon's base URL (default: $${SERVER_ENV})`)
    .option('--token-file <file>', `a file holding the bearer token (default: the token in $${TOKEN_ENV})`)
    .action(async (id: string, flags: Omit<DaemonFlags, 'output'>) => {
      const client = await deps.client({ ...flags, output: 'text' });
      io.stdout(await client.getText(`/v1/analyses/${segment(id)}/report`, 'text/html'));
      io.setExitCode(EXIT.promote);
    });
}
