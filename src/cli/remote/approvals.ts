// `canaryd approvals [--pending]` and `canaryd approve|reject APPROVAL --reason …` (scope approve).

import type { Command } from 'commander';
import { APPROVAL_STATES } from '../../control/types.js';
import { approvalListSchema, approvalSchema } from '../../http/schemas/control.js';
import type { z } from 'zod';
import { CliError } from '../common.js';
import type { CommandIo } from '../io.js';
import { requiredReason } from './actions.js';
import { segment } from './client.js';
import { addDaemonOptions, type DaemonFlags, outputOf } from './connection.js';
import type { RemoteDeps } from './deps.js';
import { emit, NONE } from './output.js';
import { table } from './output.js';

type Approval = z.infer<typeof approvalSchema>;

function approvalsText(approvals: readonly Approval[]): string {
  if (approvals.length === 0) return 'No approval requests found.';
  return table(
    ['ID', 'ANALYSIS', 'ACTION', 'SERVICE', 'ENVIRONMENT', 'VERSION', 'WEIGHT', 'STATE', 'REQUESTED BY', 'APPROVERS', 'EXPIRES'],
    approvals.map((approval) => [
      approval.id,
      approval.analysisId,
      approval.action,
      approval.target.service,
      approval.target.environment,
      approval.target.version,
      `${approval.fromWeight}→${approval.toWeight}%`,
      approval.state,
      approval.requestedBy,
      approval.approvers.join(',') || NONE,
      approval.expiresAt,
    ]),
  );
}

export function registerApprovals(program: Command, io: CommandIo, deps: RemoteDeps): void {
  addDaemonOptions(
    program
      .command('approvals')
      .description('approval requests, oldest first')
      .option('--pending', 'only the pending ones (same as --state pending)')
      .option('--state <state>', `only approvals in this state (${APPROVAL_STATES.join(', ')})`),
  ).action(async (flags: DaemonFlags & { pending?: boolean; state?: string }) => {
    const output = outputOf(flags);
    if (flags.state !== undefined && !(APPROVAL_STATES as readonly string[]).includes(flags.state)) {
      throw new CliError(`--state: expected one of ${APPROVAL_STATES.join(', ')}, got "${flags.state}"`);
    }
    if (flags.pending && flags.state !== undefined && flags.state !== 'pending') throw new CliError('give either --pending or --state, not both');
    const client = await deps.client(flags);
    const state = flags.pending ? 'pending' : flags.state;
    const { raw, body } = await client.get('/v1/approvals', approvalListSchema, { state });
    emit(io, output, raw, () => approvalsText(body.approvals));
  });

  for (const decision of ['approve', 'reject'] as const) {
    addDaemonOptions(
      program
        .command(decision)
        .description(decision === 'approve' ? 'approve a pending request: exactly the bound call is made' : 'reject a pending request: the analysis pauses')
        .argument('<approval>', 'the approval id (canaryd approvals --pending)')
        .requiredOption('--reason <text>', 'why (recorded in the audit trail)'),
    ).action(async (id: string, flags: DaemonFlags & { reason: string }) => {
      const output = outputOf(flags);
      const reason = requiredReason(flags.reason);
      const client = await deps.client(flags);
      const { raw, body } = await client.post(`/v1/approvals/${segment(id)}`, { decision, reason }, approvalSchema);
      emit(
        io,
        output,
        raw,
        () => `approval ${body.id}: ${body.state} by ${body.decidedBy ?? NONE} (${body.action} of analysis ${body.analysisId} to ${body.toWeight}%)`,
      );
    });
  }
}
