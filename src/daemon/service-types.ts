// What the HTTP API (and the CLI) ask of the daemon. Plain data in and out; errors are DomainErrors
// with codes the HTTP error handler maps to statuses:
//   'invalid-request' (400), 'unknown-template' / 'unknown-adapter' / 'missing-argument' / 'unsafe-argument' / 'invalid-mode' (422),
//   'invalid-adapter-call' / 'invalid-config' (422), 'not-found' (404), 'invalid-transition' / 'conflict' (409),
//   'store-unavailable' (503), 'not-ready' (503, /readyz only).
//   field: dotted body path ('template', 'adapter', 'args.NAME', 'target.service'), as src/http reports it.

import type { Phase, RuleRef, TickVerdict, VerdictAction } from '../analysis/types.js';
import type { Principal } from '../control/types.js';
import type { AnalysisFilter, AnalysisMode, StoredEvent, Target, VerdictSummary } from '../store/types.js';

export interface CreateAnalysisRequest {
  template: string;
  args: Record<string, string>;
  mode: AnalysisMode;
  adapter?: string;
  target: Target;
  /** Observe mode that follows the controller's weight (gates, observed-weight). */
  follow?: boolean;
  /** Release record: the artifact's digest and the version this release replaces. */
  artifact?: string;
  previousVersion?: string;
}

export type ManualAction = 'pause' | 'resume' | 'abort' | 'promote';

export interface ManualActionRequest {
  action: ManualAction;
  reason: string;
  actor: string;
}

/** An analysis as the API shows it. */
export interface AnalysisView {
  id: string;
  template: string;
  args: Record<string, string>;
  mode: AnalysisMode;
  adapter: string | null;
  target: Target;
  phase: Phase;
  /** 0-based index of the current step; `steps` is how many there are. */
  step: number;
  steps: number;
  weight: number;
  startedAt: string;
  stepStartedAt: string;
  decidedAt: string | null;
  decidedBy: RuleRef | null;
  lastVerdict: TickVerdict | null;
  createdAt: string;
  updatedAt: string;
  templateHash?: string | null;
  createdBy?: string | null;
  approval?: { id: string; expiresAt: string } | null;
}

/** An analysis in a list: the view without the evidence of its last verdict. */
export interface AnalysisSummaryView extends Omit<AnalysisView, 'lastVerdict' | 'approval'> {
  lastVerdict: VerdictSummary | null;
  observedWeight: number | null;
}

export interface AnalysisPageRequest extends AnalysisFilter {
  limit: number;
  cursor?: string;
}

export interface AnalysisPageView {
  analyses: AnalysisSummaryView[];
  nextCursor: string | null;
}

/** Who asks (the HTTP layer's authenticated principal; null without auth) and the create's Idempotency-Key. */
export interface Caller {
  principal: Principal | null;
  idempotencyKey?: string;
  /** A gate's identity (e.g. `argo:{rollout}@{revision}`): the create is idempotent on it for every principal. */
  gateKey?: string;
}

/** The small, always-200 answer pollers (Argo Rollouts' web provider, CI scripts) read. */
export interface VerdictView {
  verdict: VerdictAction;
  phase: Phase;
  step: number;
  weight: number;
  rule: RuleRef | null;
  reason: string;
  evidenceHash: string | null;
  at: string | null;
  /** The step (0-based) and weight the verdict is for: after canaryd advanced on a promote, the step it promoted. */
  forStep?: number;
  forWeight?: number;
  /** The controller's last reported weight (observe mode following a controller); null otherwise. */
  observedWeight?: number | null;
}

export interface AnalysisService {
  create(request: CreateAnalysisRequest, caller?: Caller): Promise<AnalysisView>;
  list(filter: { phase?: Phase }): Promise<AnalysisView[]>;
  /** One page of summaries, oldest first (GET /v1/analyses); 'invalid-request' for a bad cursor or limit. */
  listPage(request: AnalysisPageRequest): Promise<AnalysisPageView>;
  get(id: string): Promise<AnalysisView>;
  verdict(id: string): Promise<VerdictView>;
  /**
   * The verdict as its JSON body, made by `serialize` once per analysis version and kept until the
   * analysis is written again (pollers ask far more often than it changes). Optional: without it,
   * callers serialize verdict().
   */
  verdictBody?(id: string, serialize: (view: VerdictView) => string): Promise<string>;
  /**
   * The verdict's body if it is in the cache verdictBody keeps, without reading anything (the HTTP
   * server answers polls with it before fastify sees them: src/http/verdict-fast-path.ts).
   */
  peekVerdictBody?(id: string): string | undefined;
  /** The verdict with the version of the analysis it was read from (a cache kept in another thread keys bodies by it). */
  versionedVerdict?(id: string): Promise<{ view: VerdictView; version: number }>;
  act(id: string, request: ManualActionRequest, caller?: Caller): Promise<AnalysisView>;
  events(id: string): Promise<StoredEvent[]>;
  /** Liveness/readiness for /healthz and /readyz. */
  ready(): Promise<{ ready: boolean; reason?: string }>;
}
