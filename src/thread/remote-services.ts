// The daemon's services as the HTTP thread sees them when the daemon runs in a worker: every method
// a call to the worker, except the verdict body, which this thread keeps per analysis version until
// the worker says the analysis was written (pollers ask far more often than it changes).

import type { DaemonServices } from '../app.js';
import type { ControlService } from '../daemon/control-service.js';
import type { GateService } from '../daemon/gates.js';
import type { ReleaseService } from '../daemon/release-types.js';
import type { AnalysisService, VerdictView } from '../daemon/service-types.js';
import { cachedVerdictBody, type VerdictCache } from '../daemon/verdict-cache.js';
import { type NoticeMessage, remote, type RpcClient } from './rpc.js';

/** Notices the worker posts when it writes an analysis (before and after the write) or prunes it. */
export const VERDICT_WRITTEN = 'verdict-written';
export const VERDICT_FORGOTTEN = 'verdict-forgotten';

export function applyVerdictNotice(verdicts: VerdictCache, notice: NoticeMessage): void {
  const data = notice.data as { id: string; version?: number };
  if (notice.name === VERDICT_WRITTEN && data.version !== undefined) verdicts.invalidate(data.id, data.version);
  else if (notice.name === VERDICT_FORGOTTEN) verdicts.forget(data.id);
}

type RemoteAnalysisService = Omit<AnalysisService, 'verdictBody' | 'peekVerdictBody'> & Required<Pick<AnalysisService, 'versionedVerdict'>>;

export function remoteServices(client: RpcClient, verdicts: VerdictCache | undefined): Required<DaemonServices> {
  const analyses = remote<RemoteAnalysisService>(client, 'service', {
    create: true,
    list: true,
    listPage: true,
    get: true,
    verdict: true,
    versionedVerdict: true,
    act: true,
    events: true,
    ready: true,
  });
  const service: AnalysisService = {
    ...analyses,
    verdictBody: (id: string, serialize: (view: VerdictView) => string): Promise<string> =>
      cachedVerdictBody(verdicts, id, serialize, analyses.versionedVerdict),
    peekVerdictBody: (id: string): string | undefined => verdicts?.get(id),
  };
  return {
    service,
    control: remote<ControlService>(client, 'control', {
      listApprovals: true,
      decideApproval: true,
      createFreeze: true,
      listFreezes: true,
      liftFreeze: true,
      controlEvents: true,
    }),
    gates: remote<GateService>(client, 'gates', { argo: true, observeWeight: true, flagger: true }),
    releases: remote<ReleaseService>(client, 'releases', { list: true, get: true, rollback: true, postCheck: true, gateReport: true }),
  };
}
