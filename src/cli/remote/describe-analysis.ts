// `canaryd describe analysis ID`: the analysis, its steps, the rule history with the values each
// decision read (from the event trail), and the latest verdict's metrics and conditions. Manual
// actions appear through their decision (rule manual), whose reason names the actor.

import type { Command } from 'commander';
import { z } from 'zod';
import { analysisViewSchema } from '../../http/schemas/analysis.js';
import { ruleRefSchema } from '../../http/schemas/common.js';
import { eventListSchema } from '../../http/schemas/events.js';
import { conditionRecordSchema } from '../../http/schemas/verdict.js';
import type { CommandIo } from '../io.js';
import { type AnalysisView, analysisSummary } from './analyses.js';
import { segment } from './client.js';
import { addDaemonOptions, type DaemonFlags, outputOf } from './connection.js';
import type { RemoteDeps } from './deps.js';
import { NONE, numberText, orNone, section, table } from './output.js';

type StoredEventView = z.infer<typeof eventListSchema>['events'][number];
type ConditionRecord = z.infer<typeof conditionRecordSchema>;

const createdPayload = z.object({ steps: z.array(z.number()) });
const tickPayload = z.object({ evidenceHash: z.string(), conditions: z.array(conditionRecordSchema) });
const decisionPayload = z.object({
  decision: z.string(),
  rule: ruleRefSchema.nullable(),
  reason: z.string(),
  evidenceHash: z.string(),
  fromStep: z.number(),
  step: z.number(),
});
const approvalPayload = z.object({ approvalId: z.string(), action: z.string(), toWeight: z.number(), actor: z.string(), reason: z.string().optional() });
const checkPayload = z.object({
  name: z.string(),
  values: z.record(z.string(), z.union([z.number(), z.boolean(), z.string()])),
  source: z.string(),
  digest: z.string().nullable(),
  actor: z.string().nullable(),
});
const rollbackPayload = z.object({ fromVersion: z.string(), toVersion: z.string(), actor: z.string(), reason: z.string() });
const policyPayload = z.object({ action: z.string(), policyId: z.string().nullable(), decision: z.string(), reason: z.string() });

/** "ref=value, ..." of the conditions of one rule. */
export function observedText(conditions: readonly ConditionRecord[], ruleId: string): string {
  const observed = conditions.filter((condition) => condition.rule === ruleId).flatMap((condition) => condition.observed);
  return observed.length === 0 ? NONE : observed.map((item) => `${item.ref}=${numberText(item.value)}`).join(', ');
}

interface HistoryRow {
  at: string;
  event: string;
  step: string;
  rule: string;
  values: string;
  why: string;
}

function historyRow(event: StoredEventView, ticks: ReadonlyMap<string, ConditionRecord[]>): HistoryRow | null {
  const base = { at: event.at, step: NONE, rule: NONE, values: NONE };
  if (event.type === 'decision') {
    const decision = decisionPayload.safeParse(event.payload);
    if (!decision.success) return null;
    const { fromStep, step, rule, evidenceHash, reason } = decision.data;
    const conditions = ticks.get(evidenceHash) ?? [];
    const stepMove = fromStep === step ? `${step + 1}` : `${fromStep + 1}→${step + 1}`;
    return {
      ...base,
      event: decision.data.decision,
      step: stepMove,
      rule: rule?.id ?? NONE,
      values: rule ? observedText(conditions, rule.id) : NONE,
      why: reason,
    };
  }
  if (event.type.startsWith('approval-')) {
    const approval = approvalPayload.safeParse(event.payload);
    if (!approval.success) return null;
    const { approvalId, action, toWeight, actor, reason } = approval.data;
    return { ...base, event: event.type, why: `${approvalId} ${action} to ${toWeight}% by ${actor}${reason ? `: ${reason}` : ''}` };
  }
  if (event.type === 'check') {
    const check = checkPayload.safeParse(event.payload);
    if (!check.success) return null;
    const { name, values, source, digest, actor } = check.data;
    const shown = Object.entries(values).map(([field, value]) => `checks.${name}.${field}=${typeof value === 'number' ? numberText(value) : String(value)}`);
    return { ...base, event: `check ${name}`, values: shown.join(', '), why: `${source}${digest ? ` (${digest})` : ''} by ${actor ?? NONE}` };
  }
  if (event.type === 'release-rollback') {
    const rollback = rollbackPayload.safeParse(event.payload);
    if (!rollback.success) return null;
    const { fromVersion, toVersion, actor, reason } = rollback.data;
    return { ...base, event: 'release rollback', rule: 'manual', why: `${fromVersion} → ${toVersion} by ${actor}: ${reason}` };
  }
  if (event.type === 'policy-decision') {
    const policy = policyPayload.safeParse(event.payload);
    if (!policy.success || policy.data.policyId === null) return null;
    return { ...base, event: `policy ${policy.data.decision}`, rule: policy.data.policyId, why: `${policy.data.action}: ${policy.data.reason}` };
  }
  return null;
}

function stepsSection(view: AnalysisView, events: readonly StoredEventView[]): string {
  const created = events.find((event) => event.type === 'created');
  const parsed = created ? createdPayload.safeParse(created.payload) : null;
  const weights = parsed?.success ? parsed.data.steps : [];
  const left = new Map<number, string>();
  for (const event of events) {
    const decision = event.type === 'decision' ? decisionPayload.safeParse(event.payload) : null;
    if (decision?.success) left.set(decision.data.fromStep, `${decision.data.decision} at ${event.at}`);
  }
  const status = (index: number): string => {
    if (index < view.step) return 'passed';
    if (index > view.step) return 'pending';
    return view.phase === 'succeeded' ? 'complete' : view.phase;
  };
  return table(
    ['STEP', 'WEIGHT', 'STATUS', 'LEFT'],
    weights.map((weight, index) => [String(index + 1), `${weight}%`, status(index), left.get(index) ?? NONE]),
    '  ',
  );
}

function describeText(view: AnalysisView, events: readonly StoredEventView[]): string {
  const ticks = new Map<string, ConditionRecord[]>();
  for (const event of events) {
    const tick = event.type === 'tick' ? tickPayload.safeParse(event.payload) : null;
    if (tick?.success) ticks.set(tick.data.evidenceHash, tick.data.conditions);
  }
  const history = events.map((event) => historyRow(event, ticks)).filter((row): row is HistoryRow => row !== null);
  const verdict = view.lastVerdict;
  const metrics = verdict?.metrics ?? [];
  const conditions = verdict?.conditions ?? [];
  const last = events[events.length - 1];
  return [
    analysisSummary(view),
    section('Steps', weightsOrNone(stepsSection(view, events), events)),
    section(
      'Rule history',
      history.length === 0
        ? ''
        : table(
            ['AT', 'DECISION', 'STEP', 'RULE', 'VALUES', 'REASON'],
            history.map((row) => [row.at, row.event, row.step, row.rule, row.values, row.why]),
            '  ',
          ),
    ),
    section(
      `Metrics${verdict ? ` (latest verdict, ${verdict.at}, window ${verdict.window})` : ''}`,
      metrics.length === 0
        ? ''
        : table(
            ['METRIC', 'BASELINE', 'CANARY', 'CHANGE', 'P-VALUE', 'STATUS'],
            metrics.map((metric) => [
              metric.name,
              numberText(metric.baseline),
              numberText(metric.canary),
              numberText(metric.change),
              numberText(metric.p_value),
              metric.error ? `error: ${orNone(metric.message)}` : metric.missing ? `missing${metric.message ? `: ${metric.message}` : ''}` : 'ok',
            ]),
            '  ',
          ),
    ),
    section(
      'Conditions (latest verdict)',
      conditions.length === 0
        ? ''
        : table(
            ['RULE', 'GROUP', 'CONDITION', 'TRUTH', 'VALUES'],
            conditions.map((condition) => [condition.rule, condition.group, condition.text, condition.truth, observedText([condition], condition.rule)]),
            '  ',
          ),
    ),
    `Events:  ${events.length}${last ? `, last hash ${last.hash} (check the chain: canaryd events verify ${view.id})` : ''}`,
  ].join('\n\n');
}

function weightsOrNone(text: string, events: readonly StoredEventView[]): string {
  return events.some((event) => event.type === 'created') ? text : '';
}

export function registerDescribeAnalysis(describe: Command, io: CommandIo, deps: RemoteDeps): void {
  addDaemonOptions(
    describe
      .command('analysis')
      .description('one analysis in full: steps, rule history with the values each decision read, latest metrics and conditions')
      .argument('<id>', 'the analysis id'),
  ).action(async (id: string, flags: DaemonFlags) => {
    const output = outputOf(flags);
    const client = await deps.client(flags);
    const analysis = await client.get(`/v1/analyses/${segment(id)}`, analysisViewSchema);
    const events = await client.get(`/v1/analyses/${segment(id)}/events`, eventListSchema);
    const raw = { analysis: analysis.raw, events: (events.raw as { events: unknown }).events };
    io.stdout(output === 'json' ? `${JSON.stringify(raw, null, 2)}\n` : `${describeText(analysis.body, events.body.events)}\n`);
  });
}
