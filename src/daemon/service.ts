// The AnalysisService the HTTP API (and the CLI) call: create, read, and act on analyses.

import { DomainError } from '../analysis/errors.js';
import { applyManualAction } from '../analysis/step-machine.js';
import type { CompiledTemplate, Phase } from '../analysis/types.js';
import type { AnalysisRecord, StoredEvent } from '../store/types.js';
import { performRecordedCalls } from './calls.js';
import { analysisLogger, errorMessage, type DaemonContext } from './context.js';
import { manualActionEvent } from './events.js';
import { scheduleTicks } from './runner.js';
import type { AnalysisService, AnalysisView, Caller, CreateAnalysisRequest, ManualAction, ManualActionRequest, VerdictView } from './service-types.js';
import { commitTransition } from './transitions.js';
import { assertEnvironment } from '../control/access.js';
import type { AdapterCallRecord, EventInput } from '../store/types.js';
import { scheduleApprovalExpiry } from './approvals.js';
import { templateOf } from './control-context.js';
import { asCreated, createAnalysisRecord } from './create-analysis.js';
import { isoAt } from './clock.js';
import { gateProposal, RefusedAction, type GatedTransition } from './gated.js';

/** Failed calls after the last one that succeeded: what a resume must make again before going on. */
export function unresolvedFailures(calls: readonly AdapterCallRecord[]): AdapterCallRecord[] {
  const lastDone = calls.reduce((max, call) => (call.status === 'done' ? Math.max(max, call.id) : max), 0);
  return calls.filter((call) => call.status === 'failed' && call.id > lastDone);
}
import { analysisView, summaryView, verdictView } from './views.js';
import { cachedVerdictBody, type VerdictCache } from './verdict-cache.js';

const MANUAL_ACTIONS: readonly ManualAction[] = ['pause', 'resume', 'abort', 'promote'];
const ACT_ATTEMPTS = 3;

export interface ServiceOptions {
  /** False until recovery has run, and again once shutdown began. */
  isAccepting: () => boolean;
  /** Serialized verdicts per analysis version (absent: every poll reads the store). */
  verdicts?: VerdictCache;
}

export function createAnalysisService(context: DaemonContext, options: ServiceOptions): AnalysisService {
  const { store, templates } = context;

  async function load(id: string): Promise<AnalysisRecord> {
    const record = await store.getAnalysis(id);
    if (record === null) throw new DomainError('not-found', `analysis ${id} does not exist`, 'id');
    return record;
  }

  async function versionedVerdict(id: string): Promise<{ view: VerdictView; version: number }> {
    const record = await load(id);
    return { view: verdictView(record, templateOf(templates, record)), version: record.version };
  }

  /** Calls run in the analysis' lane, after the HTTP answer: a slow deployer never holds up the API. */
  function dispatchCalls(record: AnalysisRecord, keys: string[]): void {
    if (keys.length === 0) return;
    void context.lanes
      .run(record.id, () => performRecordedCalls(context, record.id, keys, context.shutdown))
      .catch((error: unknown) => analysisLogger(context, record).error({ error: errorMessage(error) }, 'adapter calls failed to run'));
  }

  function ensureAccepting(): void {
    if (!options.isAccepting()) throw new DomainError('store-unavailable', 'the daemon is starting or shutting down; try again');
  }

  return {
    async create(request: CreateAnalysisRequest, caller?: Caller): Promise<AnalysisView> {
      ensureAccepting();
      const created = await createAnalysisRecord(context, request, caller);
      if (created.fresh) {
        dispatchCalls(created.record, created.callKeys);
        scheduleTicks(context, created.record, created.template);
      }
      // A repeated key answers the same body as the first time.
      return analysisView(created.fresh ? created.record : asCreated(created.record), created.template);
    },

    async list(filter: { phase?: Phase }): Promise<AnalysisView[]> {
      const records = await store.listAnalyses(filter.phase === undefined ? {} : { phase: filter.phase });
      return records.map((record) => analysisView(record, templateOf(templates, record)));
    },

    async listPage(request) {
      const page = await store.listAnalysisSummaries(request);
      return {
        analyses: page.analyses.map((summary) => summaryView(summary, templates.get(summary.template))),
        nextCursor: page.nextCursor,
      };
    },

    async get(id: string): Promise<AnalysisView> {
      const record = await load(id);
      return analysisView(record, templateOf(templates, record));
    },

    async verdict(id: string): Promise<VerdictView> {
      const record = await load(id);
      return verdictView(record, templateOf(templates, record));
    },

    versionedVerdict,

    async verdictBody(id: string, serialize: (view: VerdictView) => string): Promise<string> {
      return cachedVerdictBody(options.verdicts, id, serialize, versionedVerdict);
    },

    peekVerdictBody(id: string): string | undefined {
      return options.verdicts?.get(id);
    },

    async act(id: string, request: ManualActionRequest, caller?: Caller): Promise<AnalysisView> {
      ensureAccepting();
      if (!MANUAL_ACTIONS.includes(request.action)) {
        throw new DomainError('invalid-request', `action must be one of ${MANUAL_ACTIONS.join(', ')}, got "${String(request.action)}"`, 'action');
      }
      const principal = caller?.principal ?? null;
      // With auth, the actor is the authenticated principal; a body actor is not trusted.
      const actor = principal?.name ?? request.actor;
      if (typeof actor !== 'string' || actor.trim() === '') {
        throw new DomainError('invalid-request', 'actor: say who acts (a person or a system), e.g. "alice" or "argo-rollouts"', 'actor');
      }
      const reason = typeof request.reason === 'string' ? request.reason : '';
      for (let attempt = 1; ; attempt += 1) {
        const record = await load(id);
        assertEnvironment(principal, record.target.environment);
        const template = requireTemplate(record);
        const now = context.clock.now();
        const next = applyManualAction(template, record.state, request.action, now, actor, reason);
        let gated: GatedTransition;
        try {
          gated = gateProposal(context, {
            before: record,
            template,
            proposed: next,
            base: record.state,
            requestedBy: actor,
            manual: `manual-${request.action}`,
            events: [manualActionEvent(request.action, actor, reason, next.verdict)],
            now,
          });
        } catch (error) {
          // Refused: nothing changes, but the trail says who was refused, under which policy.
          if (!(error instanceof RefusedAction) || error.audit.length === 0) throw error;
          const audited = await recordRefusal(record, error.audit);
          if (audited || attempt >= ACT_ATTEMPTS) throw error;
          continue;
        }
        // Going on after adapter-failed: first the call that failed, with its key, then the rest.
        const retry = request.action === 'resume' || request.action === 'promote' ? unresolvedFailures(await store.callsFor(id)) : [];
        try {
          const committed = await commitTransition(context, gated.outcome === 'allow' ? { ...gated.input, retryCalls: retry } : gated.input);
          if (gated.approval !== undefined) scheduleApprovalExpiry(context, id, gated.approval);
          dispatchCalls(committed.record, committed.callKeys);
          return analysisView(committed.record, template);
        } catch (error) {
          if (!(error instanceof DomainError && error.code === 'conflict') || attempt >= ACT_ATTEMPTS) throw error;
        }
      }
    },

    async events(id: string): Promise<StoredEvent[]> {
      await load(id);
      return store.listEvents(id);
    },

    async ready(): Promise<{ ready: boolean; reason?: string }> {
      if (!options.isAccepting()) return { ready: false, reason: 'starting or shutting down' };
      if (templates.size === 0) return { ready: false, reason: 'no analysis templates are loaded' };
      try {
        await store.listAnalyses({ phase: 'pending' });
        return { ready: true };
      } catch (error) {
        return { ready: false, reason: `store: ${errorMessage(error)}` };
      }
    },
  };

  /** Appends the refusal's events without changing the analysis; false on a concurrent change. */
  async function recordRefusal(record: AnalysisRecord, audit: EventInput[]): Promise<boolean> {
    try {
      await store.commitTransition({ ...record, updatedAt: isoAt(context.clock.now()), version: record.version + 1 }, audit, []);
      return true;
    } catch (error) {
      if (error instanceof DomainError && error.code === 'conflict') return false;
      throw error;
    }
  }

  function requireTemplate(record: AnalysisRecord): CompiledTemplate {
    const template = templateOf(templates, record);
    if (template === undefined) {
      throw new DomainError('unknown-template', `template ${record.template} of analysis ${record.id} is no longer loaded`, 'template');
    }
    return template;
  }
}
