// The commands that talk to a running daemon (kubectl-argo-rollouts style), registered at once
// because `get`, `describe` and `events` are parents shared by several groups.

import type { Command } from 'commander';
import type { CommandIo } from '../io.js';
import { registerActions } from './actions.js';
import { registerAnalysisReads } from './analyses.js';
import { registerApprovals } from './approvals.js';
import { registerChecks } from './checks.js';
import { type RemoteDeps, processDeps } from './deps.js';
import { registerDescribeAnalysis } from './describe-analysis.js';
import { registerEvents } from './events.js';
import { registerReleases } from './releases.js';
import { registerReport } from './report.js';

export function registerRemoteCommands(program: Command, io: CommandIo, deps: RemoteDeps = processDeps()): void {
  const get = program.command('get').description('read one resource of a running daemon (get analysis ID, get gate ID)');
  const describe = program.command('describe').description('one resource of a running daemon in full (describe analysis ID, describe release ID)');
  registerAnalysisReads(program, get, io, deps);
  registerDescribeAnalysis(describe, io, deps);
  registerActions(program, io, deps);
  registerApprovals(program, io, deps);
  registerReleases(program, describe, io, deps);
  registerChecks(program, get, io, deps);
  registerEvents(program, io, deps);
  registerReport(program, io, deps);
  const exitOverride = (command: Command): void => {
    command.exitOverride();
    for (const child of command.commands) exitOverride(child);
  };
  for (const command of program.commands) exitOverride(command);
}
