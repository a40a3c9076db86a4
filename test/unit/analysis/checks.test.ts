// Pure reading of check evidence at a tick's time: never posted → null, older than maxAge → not
// fresh, and rules see only fresh numbers and booleans (strings and stale evidence are unknown).

import { describe, expect, it } from 'vitest';
import { readChecks, withChecks } from '../../../src/analysis/checks.js';
import { evaluateRules } from '../../../src/analysis/rules.js';
import type { CheckEvidence, CheckSpec } from '../../../src/analysis/types.js';
import { rule, T0 } from './fixtures.js';

const SPECS: CheckSpec[] = [
  { name: 'eval', fields: { task_success: 'number', suite: 'string', passed: 'boolean' }, maxAgeMs: 60_000 },
  { name: 'agbom', fields: { high_risk: 'number' }, maxAgeMs: null },
];

const evalAt = (at: number, task_success = 0.9): CheckEvidence => ({
  name: 'eval',
  values: { task_success, suite: 'nightly', passed: true },
  source: 'run 1',
  digest: 'sha256:1',
  at: new Date(at).toISOString(),
  actor: 'ci',
});

const noMetrics = () => null;

describe('readChecks', () => {
  it('reads every declared check: null when never posted, fresh up to and including maxAge', () => {
    const evidence = { eval: evalAt(T0) };
    expect(readChecks(SPECS, evidence, T0 + 60_000)).toEqual({
      eval: { values: evidence.eval.values, source: 'run 1', digest: 'sha256:1', at: evidence.eval.at, fresh: true },
      agbom: null,
    });
    expect(readChecks(SPECS, evidence, T0 + 60_001)['eval']?.fresh).toBe(false);
  });

  it('ignores evidence of a check the template does not declare', () => {
    const stray: CheckEvidence = { ...evalAt(T0), name: 'sbom' };
    expect(Object.keys(readChecks(SPECS, { sbom: stray }, T0))).toEqual(['eval', 'agbom']);
  });
});

describe('withChecks in rules', () => {
  const rules = [rule('pii', 'abort', 'checks.eval.task_success < 0.5'), rule('healthy', 'promote', 'checks.eval.task_success >= 0.85', 'checks.eval.passed')];

  it('fresh evidence decides', () => {
    const lookup = withChecks(noMetrics, readChecks(SPECS, { eval: evalAt(T0) }, T0));
    expect(evaluateRules(rules, lookup)).toMatchObject({ action: 'promote', rule: { id: 'healthy' } });
    const low = withChecks(noMetrics, readChecks(SPECS, { eval: evalAt(T0, 0.3) }, T0));
    expect(evaluateRules(rules, low)).toMatchObject({ action: 'abort', rule: { id: 'pii' } });
  });

  it('stale or never posted evidence is unknown: neither promotes nor aborts', () => {
    const stale = withChecks(noMetrics, readChecks(SPECS, { eval: evalAt(T0, 0.3) }, T0 + 120_000));
    const outcome = evaluateRules(rules, stale);
    expect(outcome.action).toBe('continue');
    expect(outcome.conditions.map((condition) => condition.truth)).toEqual(['unknown', 'unknown', 'unknown']);
    const never = withChecks(noMetrics, readChecks(SPECS, {}, T0));
    expect(evaluateRules(rules, never).action).toBe('continue');
  });

  it('strings and unknown fields read as no value; metric refs still go to the metrics', () => {
    const lookup = withChecks((metric, stat) => (metric === 'errors' && stat === 'canary' ? 0.01 : null), readChecks(SPECS, { eval: evalAt(T0) }, T0));
    expect(lookup('checks.eval', 'suite')).toBeNull();
    expect(lookup('checks.eval', 'nothing')).toBeNull();
    expect(lookup('checks.nothing', 'x')).toBeNull();
    expect(lookup('checks.eval', 'task_success')).toBe(0.9);
    expect(lookup('errors', 'canary')).toBe(0.01);
  });
});
