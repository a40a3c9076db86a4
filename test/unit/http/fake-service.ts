// A hand-written AnalysisService for the HTTP API tests: in memory, records what it was asked,
// and refuses like the real one (DomainError codes).

import { DomainError } from '../../../src/analysis/errors.js';
import type { Phase, RuleRef, TickVerdict, VerdictAction } from '../../../src/analysis/types.js';
import type {
  AnalysisPageRequest,
  AnalysisPageView,
  AnalysisService,
  AnalysisView,
  CreateAnalysisRequest,
  ManualAction,
  ManualActionRequest,
  VerdictView,
} from '../../../src/daemon/service-types.js';
import { chainEvents } from '../../../src/store/event-chain.js';
import type { AnalysisFilter, EventInput, StoredEvent } from '../../../src/store/types.js';

export const WEIGHTS = [1, 5, 25, 50, 100];
const AT = '2025-03-01T12:00:00.000Z';
const MANUAL: RuleRef = { id: 'manual', group: 'builtin' };

const ALLOWED_FROM: Record<ManualAction, readonly Phase[]> = {
  pause: ['running'],
  resume: ['paused'],
  abort: ['pending', 'running', 'paused'],
  promote: ['running', 'paused'],
};

export interface RecordedAction extends ManualActionRequest {
  id: string;
}

export class FakeAnalysisService implements AnalysisService {
  readonly templates = new Map<string, string[]>([['http-service', ['service']]]);
  readonly adapters = new Set(['deployer', 'dry-run']);
  readonly created: CreateAnalysisRequest[] = [];
  /** The filters of each list request (without limit and cursor). */
  readonly listFilters: Array<AnalysisFilter> = [];
  readonly pageRequests: AnalysisPageRequest[] = [];
  readonly actions: RecordedAction[] = [];
  readonly views = new Map<string, AnalysisView>();
  readonly trails = new Map<string, StoredEvent[]>();
  readiness: { ready: boolean; reason?: string } = { ready: true };
  /** When set, every call throws it (store outages, unexpected bugs). */
  failure: unknown = null;
  private nextId = 1;

  private check(): void {
    if (this.failure !== null) throw this.failure;
  }

  private append(id: string, events: EventInput[]): void {
    const trail = this.trails.get(id) ?? [];
    const last = trail.at(-1);
    this.trails.set(id, [...trail, ...chainEvents(id, last === undefined ? null : last, events)]);
  }

  private require(id: string): AnalysisView {
    const view = this.views.get(id);
    if (view === undefined) throw new DomainError('not-found', `no analysis with id "${id}"`);
    return view;
  }

  /** Stores a view as given (for tests of phases and of malformed answers). */
  put(view: AnalysisView): AnalysisView {
    this.views.set(view.id, view);
    return view;
  }

  async create(request: CreateAnalysisRequest): Promise<AnalysisView> {
    this.check();
    this.created.push(request);
    const required = this.templates.get(request.template);
    if (required === undefined) {
      throw new DomainError('unknown-template', `unknown template "${request.template}" (known: http-service)`, 'template');
    }
    if (request.adapter !== undefined && !this.adapters.has(request.adapter)) {
      throw new DomainError('unknown-adapter', `unknown adapter "${request.adapter}"`, 'adapter');
    }
    const missing = required.find((name) => request.args[name] === undefined);
    if (missing !== undefined) {
      throw new DomainError('missing-argument', `template http-service needs argument "${missing}"`, `args.${missing}`);
    }
    const id = `an-${this.nextId++}`;
    const view = makeView({
      id,
      template: request.template,
      args: request.args,
      mode: request.mode,
      adapter: request.adapter ?? null,
      target: request.target,
    });
    this.append(id, [{ type: 'created', at: AT, payload: { template: request.template, mode: request.mode } }]);
    return this.put(view);
  }

  async list(filter: { phase?: Phase }): Promise<AnalysisView[]> {
    this.check();
    this.listFilters.push(filter);
    return [...this.views.values()].filter((view) => filter.phase === undefined || view.phase === filter.phase);
  }

  async listPage(request: AnalysisPageRequest): Promise<AnalysisPageView> {
    this.check();
    this.pageRequests.push(request);
    const { limit, cursor, ...filter } = request;
    this.listFilters.push(filter);
    const matching = [...this.views.values()].filter(
      (view) =>
        (filter.phase === undefined || view.phase === filter.phase) &&
        (filter.template === undefined || view.template === filter.template) &&
        (filter.service === undefined || view.target.service === filter.service) &&
        (filter.environment === undefined || view.target.environment === filter.environment) &&
        (filter.version === undefined || view.target.version === filter.version),
    );
    const start = cursor === undefined ? 0 : Number(cursor);
    if (!Number.isInteger(start) || start < 0) throw new DomainError('invalid-request', 'cursor is not one this server gave out', 'cursor');
    const page = matching.slice(start, start + limit);
    const analyses = page.map(({ lastVerdict, approval: _approval, ...view }) => ({
      ...view,
      lastVerdict:
        lastVerdict === null
          ? null
          : { action: lastVerdict.action, rule: lastVerdict.rule, reason: lastVerdict.reason, at: lastVerdict.at, evidenceHash: lastVerdict.evidenceHash },
      observedWeight: null,
    }));
    return { analyses, nextCursor: start + limit < matching.length ? String(start + limit) : null };
  }

  async get(id: string): Promise<AnalysisView> {
    this.check();
    return this.require(id);
  }

  async verdict(id: string): Promise<VerdictView> {
    this.check();
    const view = this.require(id);
    const settled: Partial<Record<Phase, VerdictAction>> = { succeeded: 'promote', aborted: 'abort' };
    const last = view.lastVerdict;
    return {
      verdict: settled[view.phase] ?? last?.action ?? 'continue',
      phase: view.phase,
      step: view.step,
      weight: view.weight,
      rule: view.decidedBy ?? last?.rule ?? null,
      reason: last?.reason ?? 'no decision yet',
      evidenceHash: last?.evidenceHash ?? null,
      at: last?.at ?? null,
    };
  }

  async act(id: string, request: ManualActionRequest): Promise<AnalysisView> {
    this.check();
    const view = this.require(id);
    this.actions.push({ id, ...request });
    if (!ALLOWED_FROM[request.action].includes(view.phase)) {
      throw new DomainError('invalid-transition', `cannot ${request.action}: the analysis is ${view.phase}`);
    }
    const next: AnalysisView = { ...view, updatedAt: AT };
    if (request.action === 'pause') next.phase = 'paused';
    if (request.action === 'resume') next.phase = 'running';
    if (request.action === 'abort') Object.assign(next, { phase: 'aborted', decidedAt: AT, decidedBy: MANUAL });
    if (request.action === 'promote') {
      if (view.step + 1 >= view.steps) Object.assign(next, { phase: 'succeeded', decidedAt: AT, decidedBy: MANUAL });
      else Object.assign(next, { phase: 'running', step: view.step + 1, weight: WEIGHTS[view.step + 1] ?? 100 });
    }
    this.append(id, [{ type: 'manual-action', at: AT, payload: { action: request.action, actor: request.actor, reason: request.reason, rule: 'manual' } }]);
    return this.put(next);
  }

  async events(id: string): Promise<StoredEvent[]> {
    this.check();
    this.require(id);
    return this.trails.get(id) ?? [];
  }

  async ready(): Promise<{ ready: boolean; reason?: string }> {
    this.check();
    return this.readiness;
  }
}

export function makeView(overrides: Partial<AnalysisView> & { id: string }): AnalysisView {
  return {
    template: 'http-service',
    args: { service: 'checkout' },
    mode: 'observe',
    adapter: null,
    target: { service: 'checkout', environment: 'prod', version: 'v2' },
    phase: 'running',
    step: 0,
    steps: WEIGHTS.length,
    weight: WEIGHTS[0] ?? 1,
    startedAt: AT,
    stepStartedAt: AT,
    decidedAt: null,
    decidedBy: null,
    lastVerdict: null,
    createdAt: AT,
    updatedAt: AT,
    ...overrides,
  };
}

/** A full verdict, with a judge whose evidence holds a non-finite number (as kayenta's ratio can). */
export function makeTickVerdict(action: VerdictAction, rule: RuleRef | null): TickVerdict {
  return {
    action,
    rule,
    reason: rule === null ? 'nothing fired' : `${rule.id}: error_rate.change 0.02 < 0.1`,
    conditions: [
      {
        rule: 'healthy',
        group: 'promote',
        text: 'error_rate.change < 10%',
        truth: 'true',
        observed: [{ ref: 'error_rate.change', value: 0.02 }],
      },
      { rule: 'low-traffic', group: 'hold', text: 'requests.canary < 200', truth: 'unknown', observed: [{ ref: 'requests.canary', value: null }] },
    ],
    metrics: [
      {
        name: 'error_rate',
        baseline: 0.01,
        canary: 0.0102,
        delta: 0.0002,
        change: 0.02,
        ratio: 1.02,
        missing: false,
        error: false,
        regressed: false,
        improved: false,
        p_value: 0.4,
        judge: { judge: 'kayenta', regressed: false, improved: false, pValue: 0.4, details: { meanRatio: Infinity, n: 30, bins: [1, 2] } },
        queries: { baseline: 'sum(rate(x{track="baseline"}[5m]))', canary: 'sum(rate(x{track="canary"}[5m]))' },
      },
      {
        name: 'requests',
        baseline: null,
        canary: null,
        delta: null,
        change: null,
        ratio: null,
        missing: true,
        error: false,
        message: 'query returned no series',
        queries: { baseline: 'sum(increase(r{track="baseline"}[5m]))', canary: 'sum(increase(r{track="canary"}[5m]))' },
      },
    ],
    window: '5m',
    at: AT,
    evidenceHash: 'a'.repeat(64),
  };
}
