// The AnalysisService the HTTP API (and the CLI) call: create, read, and act on analyses.

import { randomUUID } from 'node:crypto';
import { DomainError } from '../analysis/errors.js';
import { applyManualAction, startAnalysis } from '../analysis/step-machine.js';
import type { CompiledTemplate, Phase } from '../analysis/types.js';
import type { AnalysisRecord, StoredEvent } from '../store/types.js';
import { assertArgsRender, resolveArgs } from '../template/render.js';
import { performRecordedCalls } from './calls.js';
import { isoAt } from './clock.js';
import { analysisLogger, currentWeight, errorMessage, type DaemonContext } from './context.js';
import { callInputs, createdEvent, creationHash, manualActionEvent } from './events.js';
import { scheduleTicks } from './runner.js';
import type { AnalysisService, AnalysisView, CreateAnalysisRequest, ManualAction, ManualActionRequest, VerdictView } from './service-types.js';
import { commitTransition, publishState } from './transitions.js';
import { validateCreateRequest } from './validate-request.js';
import { analysisView, verdictView } from './views.js';

const MANUAL_ACTIONS: readonly ManualAction[] = ['pause', 'resume', 'abort', 'promote'];
const ACT_ATTEMPTS = 3;

export interface ServiceOptions {
  /** False until recovery has run, and again once shutdown began. */
  isAccepting: () => boolean;
}

export function createAnalysisService(context: DaemonContext, options: ServiceOptions): AnalysisService {
  const { store, templates } = context;

  async function load(id: string): Promise<AnalysisRecord> {
    const record = await store.getAnalysis(id);
    if (record === null) throw new DomainError('not-found', `analysis ${id} does not exist`, 'id');
    return record;
  }

  /** Calls run in the analysis' lane, after the HTTP answer: a slow deployer never holds up the API. */
  function dispatchCalls(record: AnalysisRecord, keys: string[]): void {
    if (keys.length === 0) return;
    void context.lanes
      .run(record.id, () => performRecordedCalls(context, record.id, keys))
      .catch((error: unknown) => analysisLogger(context, record).error({ error: errorMessage(error) }, 'adapter calls failed to run'));
  }

  function ensureAccepting(): void {
    if (!options.isAccepting()) throw new DomainError('store-unavailable', 'the daemon is starting or shutting down; try again');
  }

  return {
    async create(request: CreateAnalysisRequest): Promise<AnalysisView> {
      ensureAccepting();
      const template = validateCreateRequest(request, templates, context.adapters);
      const resolved = resolveArgs(template, request.args ?? {});
      if (!resolved.ok) throw missingArgument(template, request.args ?? {}, resolved.problems);
      assertArgsRender(template, resolved.args);

      const now = context.clock.now();
      const { state, actions } = startAnalysis(template, now);
      const record: AnalysisRecord = {
        id: randomUUID(),
        template: template.name,
        args: resolved.args,
        mode: request.mode,
        adapter: request.mode === 'drive' ? (request.adapter ?? null) : null,
        target: { service: request.target.service, environment: request.target.environment, version: request.target.version },
        state,
        judgeMemory: {},
        createdAt: isoAt(now),
        updatedAt: isoAt(now),
        version: 1,
      };
      const hash = creationHash(record);
      const calls = callInputs(record, actions, { hash, rule: null, at: record.createdAt });
      await store.createAnalysis(record, [createdEvent(record, template, hash)], calls);

      publishState(context, record, template);
      analysisLogger(context, record).info(
        { mode: record.mode, adapter: record.adapter, target: record.target, step: 0, weight: currentWeight(template, state), evidenceHash: hash },
        'analysis created',
      );
      dispatchCalls(record, calls.map((call) => call.idempotencyKey));
      scheduleTicks(context, record, template);
      return analysisView(record, template);
    },

    async list(filter: { phase?: Phase }): Promise<AnalysisView[]> {
      const records = await store.listAnalyses(filter.phase === undefined ? {} : { phase: filter.phase });
      return records.map((record) => analysisView(record, templates.get(record.template)));
    },

    async get(id: string): Promise<AnalysisView> {
      const record = await load(id);
      return analysisView(record, templates.get(record.template));
    },

    async verdict(id: string): Promise<VerdictView> {
      const record = await load(id);
      return verdictView(record, templates.get(record.template));
    },

    async act(id: string, request: ManualActionRequest): Promise<AnalysisView> {
      ensureAccepting();
      if (!MANUAL_ACTIONS.includes(request.action)) {
        throw new DomainError('invalid-request', `action must be one of ${MANUAL_ACTIONS.join(', ')}, got "${String(request.action)}"`, 'action');
      }
      if (typeof request.actor !== 'string' || request.actor.trim() === '') {
        throw new DomainError('invalid-request', 'actor: say who acts (a person or a system), e.g. "alice" or "argo-rollouts"', 'actor');
      }
      const reason = typeof request.reason === 'string' ? request.reason : '';
      for (let attempt = 1; ; attempt += 1) {
        const record = await load(id);
        const template = requireTemplate(record);
        const now = context.clock.now();
        const next = applyManualAction(template, record.state, request.action, now, request.actor, reason);
        try {
          const committed = await commitTransition(context, {
            before: record,
            template,
            state: next.state,
            verdict: next.verdict,
            actions: next.actions,
            events: [manualActionEvent(request.action, request.actor, reason, next.verdict)],
          });
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

  function requireTemplate(record: AnalysisRecord): CompiledTemplate {
    const template = templates.get(record.template);
    if (template === undefined) {
      throw new DomainError('unknown-template', `template ${record.template} of analysis ${record.id} is no longer loaded`, 'template');
    }
    return template;
  }
}

function missingArgument(template: CompiledTemplate, given: Record<string, string>, problems: string[]): DomainError {
  const declared = new Set(template.args.map((arg) => arg.name));
  const missing = template.args.find((arg) => arg.default === undefined && !Object.hasOwn(given, arg.name));
  const unknown = Object.keys(given).find((name) => !declared.has(name));
  const name = missing?.name ?? unknown;
  return new DomainError('missing-argument', problems.join('; '), name === undefined ? 'args' : `args.${name}`);
}
