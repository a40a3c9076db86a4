// Gates for deployment controllers (issue 10 items 1 and 3): the Argo Rollouts web provider's
// get-or-create poll, and Flagger's webhooks. Both find their analysis by the controller's own
// identity of a revision (a creation key no principal prefixes), create it in observe mode following
// the controller, and answer from the stored state.

import { DomainError } from '../analysis/errors.js';
import type { CompiledTemplate } from '../analysis/types.js';
import { assertEnvironment } from '../control/access.js';
import type { AnalysisRecord, Target } from '../store/types.js';
import type { DaemonContext } from './context.js';
import { templateOf } from './control-context.js';
import { flaggerAnswer, type FlaggerAnswer, type FlaggerHookType, type FlaggerPayload, flaggerRequest } from './flagger-hooks.js';
import { reportWeight } from './follow-weight.js';
import type { AnalysisService, Caller, VerdictView } from './service-types.js';
import { verdictView } from './views.js';

/** What this module takes from the DaemonContext. */
export type GateServiceDeps = Pick<
  DaemonContext,
  'store' | 'templates' | 'metrics' | 'logger' | 'clock' | 'scheduler' | 'lanes' | 'phases' | 'ended' | 'leases'
>;

export type { FlaggerAnswer, FlaggerHookType, FlaggerPayload } from './flagger-hooks.js';
export { FLAGGER_HOOK_TYPES } from './flagger-hooks.js';

/** Argo Rollouts' web provider jsonBody. */
export interface ArgoGateRequest {
  template: string;
  args: Record<string, string>;
  target: Target;
  /** The Rollout's name (with its namespace when names repeat across namespaces). */
  rollout: string;
  /** The ReplicaSet hash of the canary (`{{templates.podTemplateHash}}` or an arg from podTemplateHashValue: Latest). */
  revision: string;
  /** The controller's canary weight now, in percent (the body's or the query's). */
  weight?: number;
  /** Release record (issue 9): the canary's digest and the version it replaces. */
  artifact?: string;
  previousVersion?: string;
}

export interface GateVerdictView extends VerdictView {
  analysisId: string;
}

export interface GateService {
  argo(request: ArgoGateRequest, caller: Caller): Promise<GateVerdictView>;
  observeWeight(id: string, weight: number, caller: Caller): Promise<GateVerdictView>;
  flagger(type: FlaggerHookType, payload: FlaggerPayload, caller: Caller): Promise<FlaggerAnswer>;
}

export function argoGateKey(rollout: string, revision: string): string {
  return `argo:${rollout}@${revision}`;
}

export function flaggerGateKey(payload: FlaggerPayload): string {
  return `flagger:${payload.namespace}/${payload.name}@${payload.checksum}`;
}

export function createGateService(context: GateServiceDeps, service: AnalysisService): GateService {
  function answer(record: AnalysisRecord): GateVerdictView {
    return { analysisId: record.id, ...verdictView(record, templateOf(context.templates, record)) };
  }

  async function load(id: string): Promise<AnalysisRecord> {
    const record = await context.store.getAnalysis(id);
    if (record === null) throw new DomainError('not-found', `analysis ${id} does not exist`, 'id');
    return record;
  }

  function templateFor(record: AnalysisRecord): CompiledTemplate | undefined {
    return templateOf(context.templates, record);
  }

  return {
    async argo(request, caller) {
      const gateKey = argoGateKey(request.rollout, request.revision);
      const { template, args, target, artifact, previousVersion } = request;
      const release = { ...(artifact === undefined ? {} : { artifact }), ...(previousVersion === undefined ? {} : { previousVersion }) };
      const created = await service.create({ template, args, target, mode: 'observe', follow: true, ...release }, { principal: caller.principal, gateKey });
      const record = request.weight === undefined ? await load(created.id) : await reportWeight(context, created.id, request.weight, caller);
      return answer(record);
    },

    async observeWeight(id, weight, caller) {
      return answer(await reportWeight(context, id, weight, caller));
    },

    async flagger(type, payload, caller) {
      const gateKey = flaggerGateKey(payload);
      let record = await context.store.findByCreationKey(`gate:${gateKey}`);
      if (type === 'pre-rollout' || type === 'rollout') {
        const creation = flaggerRequest(payload);
        const created = await service.create(creation, { principal: caller.principal, gateKey });
        record = await load(created.id);
      }
      // A principal limited to some environments neither reads nor moves another environment's gate.
      if (record !== null) assertEnvironment(caller.principal, record.target.environment);
      const decided = flaggerAnswer(type, record === null ? null : { record, template: templateFor(record) }, gateKey);
      if (decided.moveTo === undefined || record === null) return decided.answer;
      // A passed confirm-traffic-increase: Flagger moves to the next weight; canaryd follows.
      const moved = await reportWeight(context, record.id, decided.moveTo, caller);
      return { ...decided.answer, verdict: answer(moved) };
    },
  };
}
