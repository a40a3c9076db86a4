// Approvals and freezes (the kill switch), as the HTTP API calls them.

import { randomUUID } from 'node:crypto';
import { DomainError } from '../analysis/errors.js';
import { isActiveFreeze } from '../control/gate.js';
import type { ApprovalState, FreezeRecord, Principal } from '../control/types.js';
import type { EventInput, StoredEvent } from '../store/types.js';
import { approvalView, decideApproval, listApprovals, type ApprovalDecision, type ApprovalView } from './approvals.js';
import { isoAt } from './clock.js';
import type { DaemonContext } from './context.js';

/** What this module takes from the DaemonContext. */
export type ControlServiceDeps = Pick<
  DaemonContext,
  'store' | 'templates' | 'adapters' | 'metrics' | 'logger' | 'clock' | 'scheduler' | 'lanes' | 'phases' | 'ended' | 'control' | 'leases' | 'shutdown'
>;

export type { ApprovalView };

export interface FreezeRequest {
  reason: string;
  scope?: { environment?: string; service?: string };
}

export interface FreezeView extends FreezeRecord {
  active: boolean;
}

export interface ControlService {
  listApprovals(state?: ApprovalState): Promise<ApprovalView[]>;
  decideApproval(id: string, request: ApprovalDecision, principal: Principal | null): Promise<ApprovalView>;
  createFreeze(request: FreezeRequest, principal: Principal | null): Promise<FreezeView>;
  listFreezes(): Promise<FreezeView[]>;
  liftFreeze(id: string, principal: Principal | null, reason?: string): Promise<FreezeView>;
  /** The hash-chained trail of freezes. */
  controlEvents(): Promise<StoredEvent[]>;
}

function freezeView(freeze: FreezeRecord): FreezeView {
  return { ...freeze, active: isActiveFreeze(freeze) };
}

function freezeEvent(type: 'freeze-created' | 'freeze-lifted', freeze: FreezeRecord, at: string, actor: string): EventInput {
  return { type, at, payload: { freezeId: freeze.id, reason: freeze.reason, scope: freeze.scope, actor } };
}

export function createControlService(context: ControlServiceDeps): ControlService {
  const actorOf = (principal: Principal | null): string => principal?.name ?? 'anonymous';
  return {
    async listApprovals(state) {
      const now = context.clock.now();
      return (await listApprovals(context, state)).map((approval) => approvalView(approval, now));
    },

    async decideApproval(id, request, principal) {
      const decided = await decideApproval(context, id, principal, request);
      return approvalView(decided, context.clock.now());
    },

    async createFreeze(request, principal) {
      const at = isoAt(context.clock.now());
      const scope: FreezeRecord['scope'] = {};
      if (request.scope?.environment !== undefined) scope.environment = request.scope.environment;
      if (request.scope?.service !== undefined) scope.service = request.scope.service;
      const freeze: FreezeRecord = {
        id: randomUUID(),
        reason: request.reason,
        scope,
        createdBy: actorOf(principal),
        createdAt: at,
        liftedBy: null,
        liftedAt: null,
      };
      await context.store.saveFreeze(freeze, freezeEvent('freeze-created', freeze, at, freeze.createdBy));
      context.control.freezes = [...context.control.freezes, freeze];
      context.logger.warn(
        { freezeId: freeze.id, scope, actor: freeze.createdBy, reason: freeze.reason },
        'freeze created: no set-weight or complete for the analyses it covers',
      );
      return freezeView(freeze);
    },

    async listFreezes() {
      return (await context.store.listFreezes()).map(freezeView);
    },

    async liftFreeze(id, principal) {
      const freeze = (await context.store.listFreezes()).find((candidate) => candidate.id === id);
      if (freeze === undefined) throw new DomainError('not-found', `freeze ${id} does not exist`, 'id');
      if (!isActiveFreeze(freeze))
        throw new DomainError('conflict', `freeze ${id} was already lifted at ${freeze.liftedAt ?? ''} by ${freeze.liftedBy ?? ''}`, 'id');
      const at = isoAt(context.clock.now());
      const lifted: FreezeRecord = { ...freeze, liftedBy: actorOf(principal), liftedAt: at };
      await context.store.saveFreeze(lifted, freezeEvent('freeze-lifted', lifted, at, actorOf(principal)));
      context.control.freezes = context.control.freezes.map((candidate) => (candidate.id === id ? lifted : candidate));
      context.logger.warn({ freezeId: id, actor: lifted.liftedBy }, 'freeze lifted');
      return freezeView(lifted);
    },

    controlEvents: () => context.store.listControlEvents(),
  };
}
