import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../src/analysis/errors.js';
import { evidenceHash } from '../../../src/analysis/evidence-hash.js';
import { applyManualAction, startAnalysis } from '../../../src/analysis/step-machine.js';
import type { AnalysisState, Phase } from '../../../src/analysis/types.js';
import { MINUTE, T0, makeTemplate } from './fixtures.js';

const template = makeTemplate();
const running = (): AnalysisState => startAnalysis(template, T0).state;
const MANUAL = { id: 'manual', group: 'builtin' };

function refusal(state: AnalysisState, action: 'pause' | 'resume' | 'abort' | 'promote'): DomainError {
  try {
    applyManualAction(template, state, action, T0 + MINUTE, 'alice', '');
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error(`expected ${action} to be refused from ${state.phase}`);
}

describe('applyManualAction', () => {
  it('pauses a running analysis', () => {
    const result = applyManualAction(template, running(), 'pause', T0 + MINUTE, 'alice', 'looking at dashboards');
    expect(result.state.phase).toBe('paused');
    expect(result.actions).toEqual([{ type: 'pause', step: 0, weight: 1 }]);
    expect(result.verdict).toMatchObject({
      action: 'hold',
      rule: MANUAL,
      reason: 'manual pause by alice at step 1 of 5: looking at dashboards',
      conditions: [],
      metrics: [],
      window: '1m',
      at: '2024-01-01T00:01:00.000Z',
    });
    const { evidenceHash: hash, ...rest } = result.verdict;
    expect(hash).toBe(evidenceHash(rest));
    expect(result.state.lastVerdict).toBe(result.verdict);
  });

  it('resumes a paused analysis without restarting the step clock', () => {
    const paused = applyManualAction(template, running(), 'pause', T0 + MINUTE, 'alice', '').state;
    const result = applyManualAction(template, paused, 'resume', T0 + 10 * MINUTE, 'bob', '');
    expect(result.state).toMatchObject({ phase: 'running', stepIndex: 0, stepStartedAt: T0 });
    expect(result.actions).toEqual([{ type: 'resume', step: 0, weight: 1 }]);
    expect(result.verdict).toMatchObject({ action: 'continue', rule: MANUAL, reason: 'manual resume by bob at step 1 of 5' });
  });

  it('resumes a step that timed out while paused with a fresh clock, so it does not time out again at once', () => {
    const paused = { ...running(), phase: 'paused' as Phase };
    // Step 1 has maxDuration 60m; resumed at +61m.
    const result = applyManualAction(template, paused, 'resume', T0 + 61 * MINUTE, 'bob', 'telemetry fixed');
    expect(result.state).toMatchObject({ phase: 'running', stepIndex: 0, stepStartedAt: T0 + 61 * MINUTE });
  });

  it('resumes with failed-query counts reset, so a source-errors pause does not come back on the next tick', () => {
    const paused = { ...running(), phase: 'paused' as Phase, consecutiveErrors: { error_rate: 5 } };
    const result = applyManualAction(template, paused, 'resume', T0 + 10 * MINUTE, 'bob', '');
    expect(result.state.consecutiveErrors).toEqual({});
  });

  it('aborts a running or paused analysis with a rollback', () => {
    for (const state of [running(), { ...running(), phase: 'paused' as Phase }]) {
      const result = applyManualAction(template, state, 'abort', T0 + 2 * MINUTE, 'alice', 'bad');
      expect(result.state).toMatchObject({ phase: 'aborted', decidedAt: T0 + 2 * MINUTE, decidedBy: MANUAL });
      expect(result.actions).toEqual([{ type: 'rollback', step: 0, weight: 1 }]);
      expect(result.verdict.action).toBe('abort');
    }
  });

  it('aborts a pending analysis without a rollback', () => {
    const result = applyManualAction(template, { ...running(), phase: 'pending' }, 'abort', T0, 'alice', '');
    expect(result.state.phase).toBe('aborted');
    expect(result.actions).toEqual([]);
  });

  it('promotes one step regardless of minDuration', () => {
    const result = applyManualAction(template, running(), 'promote', T0 + MINUTE, 'alice', 'ship it');
    expect(result.state).toMatchObject({ phase: 'running', stepIndex: 1, stepStartedAt: T0 + MINUTE });
    expect(result.actions).toEqual([{ type: 'set-weight', step: 1, weight: 5 }]);
    expect(result.verdict).toMatchObject({ action: 'promote', rule: MANUAL });
  });

  it('completes when promoting the last step', () => {
    const last: AnalysisState = { ...running(), stepIndex: 4 };
    const result = applyManualAction(template, last, 'promote', T0 + MINUTE, 'alice', '');
    expect(result.state).toMatchObject({ phase: 'succeeded', decidedAt: T0 + MINUTE, decidedBy: MANUAL });
    expect(result.actions).toEqual([{ type: 'complete', step: 4, weight: 100 }]);
  });

  it('leaves the pause when promoting a paused analysis', () => {
    const paused: AnalysisState = { ...running(), phase: 'paused', stepIndex: 2 };
    const result = applyManualAction(template, paused, 'promote', T0 + MINUTE, 'alice', '');
    expect(result.state).toMatchObject({ phase: 'running', stepIndex: 3 });
    expect(result.actions).toEqual([
      { type: 'resume', step: 2, weight: 25 },
      { type: 'set-weight', step: 3, weight: 50 },
    ]);
  });

  it.each([
    ['running', 'resume', 'cannot resume: the analysis is running (resume needs it paused)'],
    ['paused', 'pause', 'cannot pause: the analysis is paused (pause needs it running)'],
    ['pending', 'promote', 'cannot promote: the analysis has not started (promote needs it running or paused)'],
    ['succeeded', 'abort', 'cannot abort: the analysis has already succeeded (abort needs it pending, running or paused)'],
    ['aborted', 'resume', 'cannot resume: the analysis has already been aborted (resume needs it paused)'],
    ['failed', 'promote', 'cannot promote: the analysis has already failed (promote needs it running or paused)'],
    ['aborted', 'abort', 'cannot abort: the analysis has already been aborted (abort needs it pending, running or paused)'],
  ] as const)('refuses from %s: %s', (phase, action, message) => {
    const error = refusal({ ...running(), phase }, action);
    expect(error.code).toBe('invalid-transition');
    expect(error.message).toBe(message);
  });
});
