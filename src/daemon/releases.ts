// The release API (issue 9): release records read from the analyses of a target, rollbacks to a
// named version, evidence for checks, and the gate report.

import { DomainError } from '../analysis/errors.js';
import type { AnalysisRecord } from '../store/types.js';
import { postCheck } from './checks.js';
import type { DaemonContext } from './context.js';
import { templateOf } from './control-context.js';
import { buildGateReport } from './gate-report.js';
import type { ReleaseService } from './release-types.js';
import { releaseRecord, releaseSummary } from './release-views.js';
import { rollbackRelease } from './rollback.js';

/** What this module takes from the DaemonContext. */
export type ReleaseServiceDeps = Pick<
  DaemonContext,
  'store' | 'templates' | 'adapters' | 'metrics' | 'logger' | 'clock' | 'scheduler' | 'lanes' | 'phases' | 'ended' | 'control' | 'leases'
>;

export const DEFAULT_RELEASE_PAGE = 50;

export function createReleaseService(context: ReleaseServiceDeps): ReleaseService {
  const { store } = context;

  async function load(id: string): Promise<AnalysisRecord> {
    const record = await store.getAnalysis(id);
    if (record === null) throw new DomainError('not-found', `analysis ${id} does not exist`, 'id');
    return record;
  }

  return {
    async list(request) {
      const page = await store.listReleases({
        service: request.service,
        environment: request.environment,
        limit: request.limit ?? DEFAULT_RELEASE_PAGE,
        ...(request.before === undefined ? {} : { before: request.before }),
      });
      const now = context.clock.now();
      const releases = await Promise.all(
        page.records.map(async (record) => releaseSummary(record, await store.listEvents(record.id), templateOf(context.templates, record), now)),
      );
      return { releases, nextCursor: page.nextCursor };
    },

    async get(id) {
      const record = await load(id);
      const [events, calls] = await Promise.all([store.listEvents(id), store.callsFor(id)]);
      return releaseRecord(record, events, calls, templateOf(context.templates, record), context.clock.now());
    },

    async rollback(request, principal) {
      return (await rollbackRelease(context, request, principal)).rollback;
    },

    postCheck: (analysisId, name, request, principal) => postCheck(context, analysisId, name, request, principal),

    async gateReport(analysisId) {
      const record = await load(analysisId);
      return buildGateReport({
        gateId: record.id,
        verdict: record.state.lastVerdict,
        phase: record.state.phase,
        owners: templateOf(context.templates, record)?.owners,
      });
    },
  };
}
