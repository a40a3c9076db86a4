// The README's copy-paste blocks for Argo Rollouts and Flagger: the jsonBody the AnalysisTemplate
// renders is a valid gate body, its limits pass Argo's own checks (utils/analysis/factory.go) and
// keep hold/continue from pausing or failing; the Canary's webhooks name canaryd's hook types and
// the metadata canaryd needs.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

import { FLAGGER_HOOK_TYPES, flaggerRequest } from '../../../src/daemon/flagger-hooks.js';
import { argoGateBodySchema } from '../../../src/http/schemas/gates.js';

const README = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

function yamlBlock(containing: string): unknown[] {
  const block = [...README.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1] ?? '').find((text) => text.includes(containing));
  if (block === undefined) throw new Error(`README has no yaml block with ${containing}`);
  return parseAllDocuments(block).map((document) => document.toJS() as unknown);
}

type Metric = Record<string, unknown> & { provider: { web: { jsonBody: unknown; method: string; url: string; jsonPath: string } } };

describe('README: Argo Rollouts', () => {
  const [template, rollout] = yamlBlock('apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate') as [
    { spec: { args: Array<{ name: string }>; metrics: Metric[] } },
    { spec: { strategy: { canary: { steps: Array<Record<string, unknown>> } } } },
  ];
  const metric = template.spec.metrics[0] as Metric;

  it('polls POST /v1/gates/argo with the conditions of the contract', () => {
    expect(metric).toMatchObject({ successCondition: 'result.verdict == "promote"', failureCondition: 'result.verdict == "abort"' });
    expect(metric.provider.web).toMatchObject({ method: 'POST', jsonPath: '{$}' });
    expect(metric.provider.web.url).toMatch(/\/v1\/gates\/argo$/);
  });

  it('renders a jsonBody the gate accepts', () => {
    const values: Record<string, string> = { service: 'checkout', version: '6f9c7d8b5', rollout: 'checkout', revision: '6f9c7d8b5', weight: '25' };
    const rendered = JSON.parse(
      JSON.stringify(metric.provider.web.jsonBody).replace(/\{\{args\.([\w-]+)\}\}/g, (_, name: string) => values[name] ?? ''),
    ) as unknown;
    const parsed = argoGateBodySchema.safeParse(rendered);
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    expect(parsed.data?.weight).toBe(25);
  });

  it("passes Argo's checks and neither pauses nor fails on hold/continue before count × interval", () => {
    const count = Number(metric.count);
    const inconclusiveLimit = Number(metric.inconclusiveLimit);
    const failureLimit = Number(metric.failureLimit);
    const success = Number(metric.consecutiveSuccessLimit);
    expect(success).toBe(1);
    expect(count).toBeGreaterThanOrEqual(failureLimit + success);
    expect(count).toBeGreaterThanOrEqual(inconclusiveLimit);
    // Inconclusive measurements pause once they exceed inconclusiveLimit: not before count is reached.
    expect(inconclusiveLimit).toBeGreaterThanOrEqual(count - 1);
  });

  it('runs the analysis after each setWeight with that weight, rollout and revision from Argo', () => {
    const steps = rollout.spec.strategy.canary.steps;
    const weights = steps.filter((step) => step.setWeight !== undefined).map((step) => step.setWeight);
    expect(weights).toEqual([5, 25, 50, 100]);
    steps.forEach((step, index) => {
      if (step.setWeight === undefined) return;
      const analysis = steps[index + 1]?.analysis as { args: Array<{ name: string; value?: string; valueFrom?: unknown }> };
      const args = Object.fromEntries(analysis.args.map((arg) => [arg.name, arg]));
      expect(args.weight?.value).toBe(String(step.setWeight));
      expect(args.revision?.valueFrom).toEqual({ podTemplateHashValue: 'Latest' });
      expect(args.rollout?.valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.name' } });
    });
    const declared = new Set(template.spec.args.map((arg) => arg.name));
    for (const name of ['rollout', 'revision', 'weight', 'service', 'version']) expect(declared.has(name)).toBe(true);
  });
});

describe('README: Flagger', () => {
  const [canary] = yamlBlock('apiVersion: flagger.app/v1beta1\nkind: Canary') as [
    { spec: { analysis: { stepWeights: number[]; webhooks: Array<{ type: string; url: string; metadata?: Record<string, string> }> } } },
  ];
  const { webhooks } = canary.spec.analysis;

  it('points each webhook at the route of its own type', () => {
    for (const webhook of webhooks) {
      expect(FLAGGER_HOOK_TYPES).toContain(webhook.type);
      expect(new URL(webhook.url).pathname).toBe(`/v1/gates/flagger/${webhook.type}`);
    }
    expect(webhooks.map((webhook) => webhook.type)).toEqual(
      expect.arrayContaining(['pre-rollout', 'rollout', 'confirm-traffic-increase', 'confirm-promotion', 'rollback']),
    );
  });

  it('gives the creating hooks the metadata canaryd needs', () => {
    for (const webhook of webhooks.filter((hook) => hook.type === 'pre-rollout' || hook.type === 'rollout')) {
      const request = flaggerRequest({
        name: 'podinfo',
        namespace: 'test',
        phase: 'Progressing',
        checksum: 'abc',
        ...(webhook.metadata === undefined ? {} : { metadata: webhook.metadata }),
      });
      expect(request).toMatchObject({
        template: 'http-service',
        mode: 'observe',
        args: { service: 'podinfo' },
        target: { service: 'podinfo', environment: 'prod' },
      });
    }
    expect(canary.spec.analysis.stepWeights).toEqual([5, 25, 50, 100]);
  });
});
