// `canaryd list [--phase P]` and `canaryd get analysis ID [--watch]`.

import type { Command } from 'commander';
import type { z } from 'zod';
import { ENDED_PHASES, type Phase } from '../../analysis/types.js';
import { analysisListSchema, type analysisSummarySchema, analysisViewSchema } from '../../http/schemas/analysis.js';
import { PHASES } from '../../http/schemas/common.js';
import { CliError, EXIT, parseDurationFlag } from '../common.js';
import type { CommandIo } from '../io.js';
import { type DaemonAnswer, type DaemonClient, segment, TransientDaemonError } from './client.js';
import { addDaemonOptions, type DaemonFlags, outputOf } from './connection.js';
import { emit, keyValues, NONE, orNone, ruleText, stepText, table } from './output.js';
import type { RemoteDeps } from './deps.js';

export type AnalysisView = z.infer<typeof analysisViewSchema>;
type AnalysisSummary = z.infer<typeof analysisSummarySchema>;

/** The exit code of an ended analysis (§6): succeeded 0, aborted 1, failed 4. */
export function phaseExitCode(phase: Phase): number {
  if (phase === 'succeeded') return EXIT.promote;
  if (phase === 'aborted') return EXIT.abort;
  if (phase === 'failed') return EXIT.runtime;
  return EXIT.hold;
}

export function targetText(target: AnalysisView['target']): string {
  return `${target.service} / ${target.environment} / ${target.version}`;
}

export function analysisSummary(view: AnalysisView): string {
  const verdict = view.lastVerdict;
  return keyValues([
    ['Name', view.id],
    ['Template', view.template],
    ['Target', targetText(view.target)],
    ['Mode', view.mode === 'drive' ? `drive (adapter ${view.adapter ?? NONE})` : 'observe'],
    ['Phase', view.phase],
    ['Step', stepText(view.step, view.steps, view.weight)],
    ['Verdict', verdict ? verdict.action : NONE],
    ['Rule', ruleText(verdict?.rule)],
    ['Reason', orNone(verdict?.reason)],
    ['Evidence', orNone(verdict?.evidenceHash)],
    ...(view.approval ? [['Approval', `${view.approval.id} (expires ${view.approval.expiresAt})`] as const] : []),
    ['Created by', orNone(view.createdBy)],
    ['Started', view.startedAt],
    ['Ended', view.decidedAt === null ? NONE : `${view.decidedAt} by ${ruleText(view.decidedBy)}`],
  ]);
}

function listText(analyses: AnalysisSummary[]): string {
  if (analyses.length === 0) return 'No analyses found.';
  return table(
    ['NAME', 'TEMPLATE', 'SERVICE', 'ENVIRONMENT', 'VERSION', 'MODE', 'PHASE', 'STEP', 'VERDICT', 'RULE'],
    analyses.map((view) => [
      view.id,
      view.template,
      view.target.service,
      view.target.environment,
      view.target.version,
      view.mode,
      view.phase,
      stepText(view.step, view.steps, view.weight),
      view.lastVerdict?.action ?? NONE,
      view.lastVerdict?.rule?.id ?? NONE,
    ]),
  );
}

const WATCH_COLUMNS = [26, 19, 12, 10] as const;

function watchLine(cells: readonly string[]): string {
  return cells
    .map((cell, column) => cell.padEnd(WATCH_COLUMNS[column] ?? 0))
    .join('')
    .trimEnd();
}

function watchRow(view: AnalysisView): string {
  const verdict = view.lastVerdict;
  return watchLine([
    verdict?.at ?? view.updatedAt,
    view.phase,
    stepText(view.step, view.steps, view.weight),
    verdict?.action ?? NONE,
    verdict?.rule?.id ?? NONE,
  ]);
}

/** How long --watch keeps asking a daemon that does not answer (restarting, say) before it gives up. */
const WATCH_RETRY_MS = 30_000;

function readAnalysis(client: DaemonClient, id: string): Promise<DaemonAnswer<AnalysisView>> {
  return client.get(`/v1/analyses/${segment(id)}`, analysisViewSchema);
}

interface GetFlags extends DaemonFlags {
  watch?: boolean;
  interval: string;
  timeout?: string;
}

async function watchAnalysis(io: CommandIo, deps: RemoteDeps, id: string, flags: GetFlags): Promise<void> {
  const output = outputOf(flags);
  const intervalMs = parseDurationFlag(flags.interval, '--interval');
  const deadline = flags.timeout === undefined ? null : deps.now() + parseDurationFlag(flags.timeout, '--timeout');
  const client = await deps.client(flags);
  let shown = '';
  if (output === 'text') io.stdout(`${watchLine(['AT', 'PHASE', 'STEP', 'VERDICT', 'RULE'])}\n`);
  let unreachableSince: number | null = null;
  for (;;) {
    let answer: DaemonAnswer<AnalysisView>;
    try {
      answer = await readAnalysis(client, id);
    } catch (error) {
      // Once the watch has read the analysis, a daemon restarting (or a blip of the network) does
      // not end it; a long outage does. A daemon not there at the start is an error at once.
      if (!(error instanceof TransientDaemonError) || shown === '') throw error;
      const now = deps.now();
      if (unreachableSince === null) {
        unreachableSince = now;
        io.progress(`canaryd: ${error.message}; retrying for up to ${WATCH_RETRY_MS / 1000}s`);
      }
      if (now - unreachableSince >= WATCH_RETRY_MS || (deadline !== null && now >= deadline)) throw error;
      await deps.sleep(intervalMs);
      continue;
    }
    if (unreachableSince !== null) io.progress('canaryd: the daemon answers again');
    unreachableSince = null;
    const { raw, body: view } = answer;
    const key = JSON.stringify([view.phase, view.step, view.lastVerdict?.action, view.lastVerdict?.rule]);
    if (key !== shown) {
      io.stdout(output === 'json' ? `${JSON.stringify(raw)}\n` : `${watchRow(view)}\n`);
      shown = key;
    }
    if (ENDED_PHASES.includes(view.phase)) {
      io.setExitCode(phaseExitCode(view.phase));
      return;
    }
    if (deadline !== null && deps.now() >= deadline) {
      io.progress(`canaryd: analysis ${id} is still ${view.phase} after --timeout ${flags.timeout ?? ''}`);
      io.setExitCode(EXIT.hold);
      return;
    }
    await deps.sleep(intervalMs);
  }
}

const LIST_PAGE = 1000;

export function registerAnalysisReads(program: Command, get: Command, io: CommandIo, deps: RemoteDeps): void {
  addDaemonOptions(
    program
      .command('list')
      .description('list the analyses of a running daemon, oldest first')
      .option('--phase <phase>', `only analyses in this phase (${PHASES.join(', ')})`)
      .option('--service <service>', 'only analyses of this service')
      .option('--environment <environment>', 'only analyses in this environment'),
  ).action(async (flags: DaemonFlags & { phase?: string; service?: string; environment?: string }) => {
    const output = outputOf(flags);
    if (flags.phase !== undefined && !(PHASES as readonly string[]).includes(flags.phase)) {
      throw new CliError(`--phase: expected one of ${PHASES.join(', ')}, got "${flags.phase}"`);
    }
    const client = await deps.client(flags);
    // The daemon answers in pages; a listing is all of them.
    const analyses: AnalysisSummary[] = [];
    const rawAnalyses: unknown[] = [];
    let cursor: string | undefined;
    do {
      const { raw, body } = await client.get('/v1/analyses', analysisListSchema, {
        phase: flags.phase,
        service: flags.service,
        environment: flags.environment,
        limit: String(LIST_PAGE),
        cursor,
      });
      analyses.push(...body.analyses);
      rawAnalyses.push(...(raw as { analyses: unknown[] }).analyses);
      cursor = body.nextCursor ?? undefined;
    } while (cursor !== undefined);
    emit(io, output, { analyses: rawAnalyses, nextCursor: null }, () => listText(analyses));
  });

  addDaemonOptions(
    get
      .command('analysis')
      .description('one analysis: phase, step, latest verdict; --watch follows it until it ends (exit 0 succeeded, 1 aborted, 4 failed, 3 --timeout)')
      .argument('<id>', 'the analysis id')
      .option('-w, --watch', 'poll until the analysis ends, printing a line at every change (JSON: one line per change)')
      .option('--interval <duration>', 'how often --watch polls', '2s')
      .option('--timeout <duration>', 'with --watch: give up after this long (exit 3)'),
  ).action(async (id: string, flags: GetFlags) => {
    if (flags.watch) {
      await watchAnalysis(io, deps, id, flags);
      return;
    }
    if (flags.timeout !== undefined) throw new CliError('--timeout applies only with --watch');
    const output = outputOf(flags);
    const client = await deps.client(flags);
    const { raw, body } = await client.get(`/v1/analyses/${segment(id)}`, analysisViewSchema);
    emit(io, output, raw, () => analysisSummary(body));
  });
}
