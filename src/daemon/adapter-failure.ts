// The built-in rule `adapter-failed`: a deployment adapter call that still failed after its retries
// stops the analysis from going on as if it had succeeded.
//   running → paused (an operator resumes once the deployer is fixed; ticks go on from there);
//   paused  → stays paused, with the failure recorded;
//   succeeded / aborted → failed: the decision stands but was not carried out. Its verdict stays
//   `abort` after a failed rollback (pollers must still roll back) and becomes `hold` after a failed
//   complete (never report a promotion that did not happen).
// No adapter call is made for this transition: the adapter is what just failed.

import { formatDuration } from '../analysis/duration.js';
import { windowMs } from '../analysis/step-machine.js';
import { describeStep, transition, type StepTransition } from '../analysis/step-transitions.js';
import type { AnalysisState, CompiledTemplate, RuleRef } from '../analysis/types.js';
import type { FailedCall } from './events.js';

export const ADAPTER_FAILED_RULE: RuleRef = { id: 'adapter-failed', group: 'builtin' };

export function adapterFailureTransition(
  template: CompiledTemplate,
  state: AnalysisState,
  failed: FailedCall,
  now: number,
): Pick<StepTransition, 'state' | 'verdict'> {
  const { request } = failed;
  const attempts = `${failed.attempts} attempt${failed.attempts === 1 ? '' : 's'}`;
  const reason =
    `adapter ${failed.adapter} failed to ${request.action} at ${describeStep(template, request.step)} ` +
    `(weight ${request.weight}) after ${attempts}: ${failed.error}`;
  const evidence = { conditions: [], metrics: [], window: formatDuration(Math.max(0, windowMs(template, state, now))) };
  const rule = ADAPTER_FAILED_RULE;

  switch (state.phase) {
    case 'awaiting-approval':
    case 'running': {
      const { approval: _waiting, ...base } = state;
      const paused = transition(
        template,
        { ...base, phase: 'running' },
        now,
        'pause',
        { action: 'hold', rule, reason: `${reason}; analysis paused` },
        evidence,
      );
      return { state: paused.state, verdict: paused.verdict };
    }
    case 'pending':
    case 'paused': {
      const held = transition(template, state, now, 'stay', { action: 'hold', rule, reason: `${reason}; analysis stays paused` }, evidence);
      return { state: { ...held.state, phase: 'paused' }, verdict: held.verdict };
    }
    case 'succeeded':
    case 'aborted':
    case 'failed': {
      const action = state.phase === 'succeeded' ? 'hold' : 'abort';
      const decided = state.phase === 'succeeded' ? 'succeeded' : 'was aborted';
      const stayed = transition(
        template,
        state,
        now,
        'stay',
        { action, rule, reason: `${reason}; the analysis ${decided} but the deployer did not carry it out` },
        evidence,
      );
      return { state: { ...stayed.state, phase: 'failed', decidedAt: now, decidedBy: rule }, verdict: stayed.verdict };
    }
  }
}
