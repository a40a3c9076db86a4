// `canaryd events verify ID`: fetches the trail and recomputes its hash chain here, so a daemon
// (or a store) that was tampered with cannot vouch for itself. Exit 0 intact, 1 broken.

import type { Command } from 'commander';
import { eventListSchema } from '../../http/schemas/events.js';
import { verifyEventChain } from '../../store/event-chain.js';
import { EXIT } from '../common.js';
import type { CommandIo } from '../io.js';
import { segment } from './client.js';
import { addDaemonOptions, type DaemonFlags, outputOf } from './connection.js';
import type { RemoteDeps } from './deps.js';

export interface ChainReport {
  analysisId: string;
  events: number;
  intact: boolean;
  lastHash: string | null;
  broken: { seq: number; type: string | null; at: string | null; reason: string } | null;
}

export function registerEvents(program: Command, io: CommandIo, deps: RemoteDeps): void {
  const events = program.command('events').description("an analysis' audit trail");
  addDaemonOptions(
    events
      .command('verify')
      .description("recompute the hash chain of an analysis' events locally; exit 0 intact, 1 naming the first broken event")
      .argument('<id>', 'the analysis id'),
  ).action(async (id: string, flags: DaemonFlags) => {
    const output = outputOf(flags);
    const client = await deps.client(flags);
    const { body } = await client.get(`/v1/analyses/${segment(id)}/events`, eventListSchema);
    const trail = body.events;
    const result =
      trail.length === 0
        ? { ok: false as const, brokenAtSeq: 1, reason: 'the trail is empty (every analysis starts with a created event)' }
        : verifyEventChain(trail);
    const brokenEvent = result.ok ? undefined : trail.find((event) => event.seq === result.brokenAtSeq);
    const report: ChainReport = {
      analysisId: id,
      events: trail.length,
      intact: result.ok,
      lastHash: trail[trail.length - 1]?.hash ?? null,
      broken: result.ok ? null : { seq: result.brokenAtSeq, type: brokenEvent?.type ?? null, at: brokenEvent?.at ?? null, reason: result.reason },
    };
    if (output === 'json') io.stdout(`${JSON.stringify(report, null, 2)}\n`);
    else if (report.broken === null) io.stdout(`analysis ${id}: ${report.events} events, chain intact (last hash ${report.lastHash ?? '-'})\n`);
    else {
      const { seq, type, at, reason } = report.broken;
      io.stdout(`analysis ${id}: chain BROKEN at event ${seq}${type ? ` (${type}, ${at})` : ''}: ${reason}\n`);
    }
    if (report.broken !== null) {
      io.progress(
        `canaryd: the event trail of analysis ${id} is broken at event seq ${report.broken.seq}${report.broken.type ? ` (${report.broken.type})` : ''}`,
      );
    }
    io.setExitCode(report.intact ? EXIT.promote : EXIT.abort);
  });
}
