// `canaryd promote|abort|pause|resume ID --reason …`: a manual action on a running daemon
// (scope actions), recorded with rule id `manual`.

import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { MANUAL_ACTIONS } from '../../http/schemas/actions.js';
import { analysisViewSchema } from '../../http/schemas/analysis.js';
import { CliError } from '../common.js';
import type { CommandIo } from '../io.js';
import { segment } from './client.js';
import { addDaemonOptions, type DaemonFlags, outputOf } from './connection.js';
import type { RemoteDeps } from './deps.js';
import { emit } from './output.js';
import { stepText } from './output.js';

const DESCRIPTIONS: Record<(typeof MANUAL_ACTIONS)[number], string> = {
  promote: 'advance an analysis one step now (or complete it from the last step)',
  abort: 'abort an analysis: roll back now',
  pause: 'pause a running analysis',
  resume: 'resume a paused analysis',
};

/** The actor recorded without auth (with auth, the daemon records the token's principal). */
function defaultActor(): string {
  try {
    return userInfo().username || 'canaryd-cli';
  } catch {
    return 'canaryd-cli';
  }
}

export function requiredReason(reason: string | undefined): string {
  const trimmed = reason?.trim() ?? '';
  if (trimmed === '') throw new CliError('--reason: say why (it is recorded in the audit trail)');
  return trimmed;
}

export function registerActions(program: Command, io: CommandIo, deps: RemoteDeps): void {
  for (const action of MANUAL_ACTIONS) {
    addDaemonOptions(
      program
        .command(action)
        .description(DESCRIPTIONS[action])
        .argument('<id>', 'the analysis id')
        .requiredOption('--reason <text>', 'why (recorded in the audit trail)')
        .option('--actor <name>', 'who, when the daemon runs without auth (default: your user name)'),
    ).action(async (id: string, flags: DaemonFlags & { reason: string; actor?: string }) => {
      const output = outputOf(flags);
      const reason = requiredReason(flags.reason);
      const client = await deps.client(flags);
      const body = { action, reason, actor: flags.actor ?? defaultActor() };
      const { raw, body: view } = await client.post(`/v1/analyses/${segment(id)}/actions`, body, analysisViewSchema);
      emit(io, output, raw, () => {
        const waiting = view.approval ? `; waiting for approval ${view.approval.id} (canaryd approvals --pending)` : '';
        return `analysis ${view.id}: ${action} accepted, now ${view.phase} at step ${stepText(view.step, view.steps, view.weight)}${waiting}`;
      });
    });
  }
}
