// `canaryd releases`, `canaryd describe release ID` and `canaryd rollback --to-version V`.

import type { Command } from 'commander';
import { CliError } from '../common.js';
import type { CommandIo } from '../io.js';
import { requiredReason } from './actions.js';
import { segment } from './client.js';
import { addDaemonOptions, type DaemonFlags, outputOf } from './connection.js';
import type { RemoteDeps } from './deps.js';
import { emit, keyValues, NONE, numberText, orNone, ruleText, section, table } from './output.js';
import type { z } from 'zod';
import { releaseListSchema, releaseRecordSchema, type releaseSummarySchema, rollbackAnswerSchema, type rollbackSchema } from '../../http/schemas/releases.js';

type ReleaseSummary = z.infer<typeof releaseSummarySchema>;
type ReleaseDetail = z.infer<typeof releaseRecordSchema>;
type RollbackRecord = z.infer<typeof rollbackSchema>;

function checksText(checks: ReleaseSummary['checks']): string {
  const names = Object.entries(checks).map(([name, check]) => (check.fresh ? name : `${name} (stale)`));
  return names.length === 0 ? NONE : names.join(',');
}

function releasesText(releases: readonly ReleaseSummary[]): string {
  if (releases.length === 0) return 'No releases found.';
  return table(
    ['NAME', 'SERVICE', 'ENVIRONMENT', 'VERSION', 'PREVIOUS', 'PHASE', 'DECISION', 'RULE', 'APPROVERS', 'CHECKS', 'STARTED', 'ENDED'],
    releases.map((release) => [
      release.id,
      release.service,
      release.environment,
      release.version,
      orNone(release.previousVersion),
      release.phase,
      release.decision?.decision ?? NONE,
      release.decision?.rule?.id ?? NONE,
      release.approvers.join(',') || NONE,
      checksText(release.checks),
      release.startedAt,
      orNone(release.endedAt),
    ]),
  );
}

export function rollbackLine(rollback: RollbackRecord): string {
  return `${rollback.id}: ${rollback.service}/${rollback.environment} ${orNone(rollback.fromVersion)} → ${rollback.toVersion} (${rollback.status}) by ${orNone(rollback.actor)} at ${rollback.at}, adapter ${orNone(rollback.adapter)}: ${rollback.reason}`;
}

function releaseText(release: ReleaseDetail): string {
  const checks = Object.entries(release.checks);
  return [
    keyValues([
      ['Name', release.id],
      ['Service', release.service],
      ['Environment', release.environment],
      ['Version', release.version],
      ['Previous', orNone(release.previousVersion)],
      ['Artifact', orNone(release.artifact)],
      ['Template', `${release.template}${release.templateHash ? ` (sha256 ${release.templateHash})` : ''}`],
      ['Mode', release.mode],
      ['Phase', release.phase],
      [
        'Decision',
        release.decision ? `${release.decision.decision} by ${ruleText(release.decision.rule)} at ${release.decision.at}: ${release.decision.reason}` : NONE,
      ],
      ['Approvers', release.approvers.join(', ') || NONE],
      ['Created by', orNone(release.createdBy)],
      ['Started', release.startedAt],
      ['Ended', orNone(release.endedAt)],
      ['Evidence', orNone(release.evidenceHash)],
    ]),
    section(
      'Decisions',
      release.decisions.length === 0
        ? ''
        : table(
            ['AT', 'DECISION', 'STEP', 'WEIGHT', 'RULE', 'EVIDENCE', 'REASON'],
            release.decisions.map((d) => [
              d.at,
              d.decision,
              d.fromStep === d.step ? `${d.step + 1}` : `${d.fromStep + 1}→${d.step + 1}`,
              `${d.weight}%`,
              d.rule?.id ?? NONE,
              orNone(d.evidenceHash),
              d.reason,
            ]),
            '  ',
          ),
    ),
    section(
      'Checks',
      checks.length === 0
        ? ''
        : table(
            ['NAME', 'VALUES', 'SOURCE', 'DIGEST', 'AT', 'FRESH'],
            checks.map(([name, check]) => [
              name,
              Object.entries(check.values)
                .map(([field, value]) => `${field}=${typeof value === 'string' ? value : numberText(value)}`)
                .join(', ') || NONE,
              check.source,
              orNone(check.digest),
              check.at,
              check.fresh ? 'yes' : 'no (stale)',
            ]),
            '  ',
          ),
    ),
    section(
      'Approvals',
      release.approvals.length === 0
        ? ''
        : table(
            ['ID', 'ACTION', 'WEIGHT', 'STATE', 'REQUESTED BY', 'DECIDED BY', 'AT', 'REASON'],
            release.approvals.map((a) => [
              a.id,
              a.action,
              `${a.fromWeight}→${a.toWeight}%`,
              a.state,
              a.requestedBy,
              orNone(a.decidedBy),
              orNone(a.decidedAt),
              orNone(a.reason),
            ]),
            '  ',
          ),
    ),
    section('Policy decisions', release.policyDecisions.map((payload) => `  ${policyLine(payload)}`).join('\n')),
    section('Rollbacks', release.rollbacks.map((rollback) => `  ${rollbackLine(rollback)}`).join('\n')),
  ].join('\n\n');
}

function policyLine(payload: Record<string, unknown>): string {
  const field = (name: string) => (typeof payload[name] === 'string' ? (payload[name] as string) : NONE);
  const policy = typeof payload['policyId'] === 'string' ? `policy ${payload['policyId']}` : 'no policy';
  return `${field('action')}: ${field('decision')} (${policy}) — ${field('reason')}`;
}

interface ReleasesFlags extends DaemonFlags {
  service: string;
  environment: string;
  limit?: string;
  before?: string;
}

function parseLimit(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(value.trim())) throw new CliError(`--limit: expected a positive whole number, got "${value}"`);
  return value.trim();
}

export function registerReleases(program: Command, describe: Command, io: CommandIo, deps: RemoteDeps): void {
  addDaemonOptions(
    program
      .command('releases')
      .description('the release history of a service in an environment, newest first')
      .requiredOption('--service <name>', 'the service')
      .requiredOption('--environment <name>', 'the environment')
      .option('--limit <n>', 'at most this many (default 50)')
      .option('--before <cursor>', 'the page after this cursor (printed when there are more)'),
  ).action(async (flags: ReleasesFlags) => {
    const output = outputOf(flags);
    const limit = parseLimit(flags.limit);
    const client = await deps.client(flags);
    const query = { service: flags.service, environment: flags.environment, limit, before: flags.before };
    const { raw, body } = await client.get('/v1/releases', releaseListSchema, query);
    emit(io, output, raw, () => releasesText(body.releases));
    if (output === 'text' && body.nextCursor) io.progress(`more releases: add --before ${body.nextCursor}`);
  });

  addDaemonOptions(
    describe
      .command('release')
      .description('one release in full: template hash, decisions with their evidence, checks, approvals, policy decisions, rollbacks')
      .argument('<id>', 'the release (analysis) id'),
  ).action(async (id: string, flags: DaemonFlags) => {
    const output = outputOf(flags);
    const client = await deps.client(flags);
    const { raw, body } = await client.get(`/v1/releases/${segment(id)}`, releaseRecordSchema);
    emit(io, output, raw, () => releaseText(body));
  });

  addDaemonOptions(
    program
      .command('rollback')
      .description('roll a service in an environment back to a version released before (through its drive adapter, subject to policies)')
      .requiredOption('--service <name>', 'the service')
      .requiredOption('--environment <name>', 'the environment')
      .requiredOption('--to-version <version>', 'a version released before for this service and environment')
      .requiredOption('--reason <text>', 'why (recorded in the audit trail and sent to the adapter)'),
  ).action(async (flags: DaemonFlags & { service: string; environment: string; toVersion: string; reason: string }) => {
    const output = outputOf(flags);
    const reason = requiredReason(flags.reason);
    for (const [flag, value] of [
      ['--service', flags.service],
      ['--environment', flags.environment],
      ['--to-version', flags.toVersion],
    ] as const) {
      if (value.trim() === '') throw new CliError(`${flag}: must not be empty`);
    }
    const client = await deps.client(flags);
    const body = { service: flags.service, environment: flags.environment, toVersion: flags.toVersion, reason };
    const { raw, body: answer } = await client.post('/v1/releases/rollback', body, rollbackAnswerSchema);
    emit(io, output, raw, () => `rollback ${rollbackLine(answer.rollback)}`);
  });
}
