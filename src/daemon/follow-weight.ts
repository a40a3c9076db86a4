// The controller's weight, reported to an analysis in observe mode (issue 10 item 2): committed in
// the analysis' lane (after its tick), as an `observed-weight` event.

import { DomainError } from '../analysis/errors.js';
import { observeWeight } from '../analysis/follow.js';
import { buildVerdict } from '../analysis/step-transitions.js';
import { ENDED_PHASES } from '../analysis/types.js';
import { assertEnvironment } from '../control/access.js';
import type { AnalysisRecord } from '../store/types.js';
import { isoAt } from './clock.js';
import type { DaemonContext } from './context.js';
import { templateOf } from './control-context.js';
import type { Caller } from './service-types.js';
import { publishState } from './transitions.js';

/** What this module takes from the DaemonContext. */
export type FollowWeightDeps = Pick<
  DaemonContext,
  'store' | 'templates' | 'metrics' | 'logger' | 'clock' | 'scheduler' | 'lanes' | 'phases' | 'ended' | 'leases'
>;

const ATTEMPTS = 3;

export function checkWeight(weight: number, field: string): void {
  if (!Number.isFinite(weight) || weight < 0 || weight > 100) {
    throw new DomainError('invalid-request', `${field}: the controller's canary weight in percent, 0 to 100, got ${String(weight)}`, field);
  }
}

/** Records the weight; answers the record as it is afterwards (unchanged when the weight changes nothing). */
export async function reportWeight(context: FollowWeightDeps, id: string, weight: number, caller: Caller | undefined): Promise<AnalysisRecord> {
  checkWeight(weight, 'weight');
  return context.lanes.run(id, async () => {
    for (let attempt = 1; ; attempt += 1) {
      const record = await context.store.getAnalysis(id);
      if (record === null) throw new DomainError('not-found', `analysis ${id} does not exist`, 'id');
      assertEnvironment(caller?.principal ?? null, record.target.environment);
      if (record.mode !== 'observe') {
        throw new DomainError(
          'not-observe-mode',
          `analysis ${id} is in ${record.mode} mode: canaryd sets its weight itself; only observe mode follows a controller's weight`,
          'id',
        );
      }
      const template = templateOf(context.templates, record);
      if (template === undefined || ENDED_PHASES.includes(record.state.phase)) return record;
      const now = context.clock.now();
      const change = observeWeight(template, record.state, weight, now);
      if (change === null) return record;
      const moved = change.state.stepIndex !== record.state.stepIndex;
      const verdict = moved
        ? buildVerdict({ action: 'continue', rule: null, reason: change.reason }, { conditions: [], metrics: [], window: '0s' }, now)
        : null;
      const state = verdict === null ? change.state : { ...change.state, lastVerdict: verdict };
      const updated: AnalysisRecord = { ...record, state, updatedAt: isoAt(now), version: record.version + 1 };
      const event = {
        type: 'observed-weight',
        at: isoAt(now),
        payload: { weight, fromStep: record.state.stepIndex, step: state.stepIndex, reason: change.reason },
      };
      try {
        await context.store.commitTransition(updated, [event], []);
      } catch (error) {
        if (error instanceof DomainError && error.code === 'conflict' && attempt < ATTEMPTS) continue;
        throw error;
      }
      publishState(context, updated, template);
      context.logger.info({ analysisId: id, weight, fromStep: record.state.stepIndex, step: state.stepIndex }, change.reason);
      return updated;
    }
  });
}
