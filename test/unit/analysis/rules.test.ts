import { describe, expect, it } from 'vitest';
import { statLookupFor } from '../../../src/analysis/metric-result.js';
import { evaluateRules } from '../../../src/analysis/rules.js';
import type { CompiledRule } from '../../../src/analysis/types.js';
import { healthyMetrics, makeTemplate, missingResult, rule, valueResult } from './fixtures.js';

const { rules } = makeTemplate();

describe('evaluateRules', () => {
  it('fires the abort rule first and records only what was evaluated', () => {
    const metrics = [valueResult('requests', 100, 100), valueResult('error_rate', 0.01, 0.0162), valueResult('p95_latency', 0.2, 0.2)];
    const outcome = evaluateRules(rules, statLookupFor(metrics));
    expect(outcome.action).toBe('abort');
    expect(outcome.rule).toEqual({ id: 'error-spike', group: 'abort' });
    expect(outcome.reason).toBe('abort rule error-spike fired: error_rate.change = 62% > 50%');
    expect(outcome.conditions).toEqual([
      {
        rule: 'error-spike',
        group: 'abort',
        text: 'error_rate.change > 50%',
        truth: 'true',
        observed: [{ ref: 'error_rate.change', value: (0.0162 - 0.01) / 0.01 }],
      },
    ]);
  });

  it('evaluates groups in the order abort, hold, promote whatever the written order', () => {
    const reordered: CompiledRule[] = [rule('go', 'promote', 'a.x'), rule('wait', 'hold', 'a.x'), rule('stop', 'abort', 'a.y')];
    const lookup = (_metric: string, stat: string) => stat === 'x';
    const outcome = evaluateRules(reordered, lookup);
    expect(outcome.rule).toEqual({ id: 'wait', group: 'hold' });
    expect(outcome.action).toBe('hold');
    expect(outcome.conditions.map((record) => `${record.rule}:${record.truth}`)).toEqual(['stop:false', 'wait:true']);
  });

  it('fires the first rule in written order within a group', () => {
    const holds = [rule('first', 'hold', 'a.no'), rule('second', 'hold', 'a.yes'), rule('third', 'hold', 'a.yes')];
    const outcome = evaluateRules(holds, (_m, stat) => stat === 'yes');
    expect(outcome.rule?.id).toBe('second');
    expect(outcome.conditions.map((record) => record.rule)).toEqual(['first', 'second']);
  });

  it('holds on low traffic before promoting', () => {
    const metrics = [valueResult('requests', 150, 150), valueResult('error_rate', 0.01, 0.01), valueResult('p95_latency', 0.2, 0.2)];
    const outcome = evaluateRules(rules, statLookupFor(metrics));
    expect(outcome.action).toBe('hold');
    expect(outcome.reason).toBe('hold rule low-traffic fired: requests.canary = 150 < 200');
  });

  it('promotes when every condition of a list is true, and names each one', () => {
    const outcome = evaluateRules(rules, statLookupFor(healthyMetrics()));
    expect(outcome.action).toBe('promote');
    expect(outcome.rule).toEqual({ id: 'healthy', group: 'promote' });
    expect(outcome.reason).toBe('promote rule healthy fired: error_rate.change = 1% < 10%; p95_latency.change = 5% < 20%');
    expect(outcome.conditions.map((record) => [record.rule, record.text, record.truth])).toEqual([
      ['error-spike', 'error_rate.change > 50%', 'false'],
      ['low-traffic', 'requests.canary < 200', 'false'],
      ['telemetry-missing', 'error_rate.missing or p95_latency.missing', 'false'],
      ['healthy', 'error_rate.change < 10%', 'true'],
      ['healthy', 'p95_latency.change < 20%', 'true'],
    ]);
  });

  it('does not promote when one condition of the list is false, and records both', () => {
    const metrics = [valueResult('requests', 5000, 5000), valueResult('error_rate', 0.01, 0.01), valueResult('p95_latency', 0.2, 0.3)];
    const outcome = evaluateRules(rules, statLookupFor(metrics));
    expect(outcome).toMatchObject({ action: 'continue', rule: null, reason: 'no rule fired' });
    expect(outcome.conditions.filter((record) => record.rule === 'healthy').map((record) => record.truth)).toEqual(['true', 'false']);
  });

  it('with missing data continues and says which ref had no value', () => {
    const noHold = rules.filter((one) => one.id !== 'telemetry-missing');
    const metrics = [valueResult('requests', 5000, 5000), valueResult('error_rate', 0.01, 0.01), missingResult('p95_latency')];
    const outcome = evaluateRules(noHold, statLookupFor(metrics));
    expect(outcome.action).toBe('continue');
    expect(outcome.reason).toBe('no rule fired; promote rule healthy is unknown: p95_latency.change has no value');
    expect(outcome.conditions.at(-1)).toEqual({
      rule: 'healthy',
      group: 'promote',
      text: 'p95_latency.change < 20%',
      truth: 'unknown',
      observed: [{ ref: 'p95_latency.change', value: null }],
    });
  });

  it('with missing data and the telemetry-missing rule holds', () => {
    const metrics = [valueResult('requests', 5000, 5000), missingResult('error_rate'), missingResult('p95_latency')];
    const outcome = evaluateRules(rules, statLookupFor(metrics));
    expect(outcome.action).toBe('hold');
    expect(outcome.reason).toBe('hold rule telemetry-missing fired: error_rate.missing = true or p95_latency.missing = true');
  });

  it('never fires a rule without conditions', () => {
    const outcome = evaluateRules([{ id: 'empty', group: 'promote', conditions: [] }], () => true);
    expect(outcome.action).toBe('continue');
  });

  it('formats observed numbers to at most 4 significant digits', () => {
    const outcome = evaluateRules([rule('big', 'abort', 'm.v > 1 and m.w < 0')], (_m, stat) => (stat === 'v' ? 1234.5678 : -0.000123456));
    expect(outcome.reason).toBe('abort rule big fired: m.v = 1235 > 1 and m.w = -0.0001235 < 0');
  });
});
