// Follows the demo's analyses through the verdict API, printing each change as it happens, and
// ends with a summary: what was decided, by which rule, and which webhook calls the deployer got.

import { ENDED_PHASES } from '../analysis/types.js';
import type { AnalysisView } from '../daemon/service-types.js';
import type { DemoService } from './demo-service.js';

export interface DemoAnalysis {
  id: string;
  service: string;
}

export interface DemoOutcome {
  /** True when the healthy canary was promoted through every step and the bad one was rolled back. */
  ok: boolean;
  analyses: Array<{ service: string; phase: string; rule: string | null; weights: number[]; hooks: string[] }>;
}

const POLL_MS = 500;
const FINISHED = new Set<string>(ENDED_PHASES);

export async function followAnalyses(
  daemonUrl: string,
  analyses: DemoAnalysis[],
  service: DemoService,
  options: { print: (line: string) => void; timeoutMs: number; signal?: AbortSignal },
): Promise<DemoOutcome> {
  const last = new Map<string, string>();
  const views = new Map<string, AnalysisView>();
  const deadline = Date.now() + options.timeoutMs;
  const started = Date.now();
  while (Date.now() < deadline && !options.signal?.aborted) {
    for (const analysis of analyses) {
      const response = await fetch(`${daemonUrl}/v1/analyses/${analysis.id}`);
      if (!response.ok) throw new Error(`GET /v1/analyses/${analysis.id} answered ${response.status}`);
      const view = (await response.json()) as AnalysisView;
      views.set(analysis.id, view);
      const line = describe(view);
      if (last.get(analysis.id) !== line) {
        last.set(analysis.id, line);
        const seconds = ((Date.now() - started) / 1000).toFixed(0).padStart(3);
        options.print(`+${seconds}s  ${analysis.service.padEnd(9)} ${line}`);
      }
    }
    if ([...views.values()].length === analyses.length && [...views.values()].every((view) => FINISHED.has(view.phase))) break;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return summarize(analyses, views, service, options.print);
}

function describe(view: AnalysisView): string {
  const verdict = view.lastVerdict;
  const rule = verdict?.rule ? `${verdict.rule.group}/${verdict.rule.id}` : '-';
  const step = `step ${view.step + 1}/${view.steps} weight ${String(view.weight).padStart(3)}%`;
  const action = verdict ? verdict.action.toUpperCase() : 'WAITING';
  if (FINISHED.has(view.phase)) {
    const by = view.decidedBy ? `${view.decidedBy.group}/${view.decidedBy.id}` : rule;
    return `${view.phase.toUpperCase()} at ${step} by ${by}${verdict ? ` — ${verdict.reason}` : ''}`;
  }
  return `${view.phase.padEnd(8)} ${step}  ${action.padEnd(8)} ${rule}`;
}

function summarize(analyses: DemoAnalysis[], views: Map<string, AnalysisView>, service: DemoService, print: (line: string) => void): DemoOutcome {
  const hooks = service.hooks();
  const outcome: DemoOutcome = { ok: true, analyses: [] };
  print('');
  print('summary');
  for (const analysis of analyses) {
    const view = views.get(analysis.id);
    const received = hooks.filter((hook) => hook.service === analysis.service).map((hook) => hook.request);
    const calls = received.map((request) => (request.action === 'set-weight' ? `set-weight ${request.weight}` : request.action));
    const weights = received.filter((request) => request.action === 'set-weight').map((request) => request.weight);
    const rule = view?.decidedBy ? `${view.decidedBy.group}/${view.decidedBy.id}` : null;
    outcome.analyses.push({ service: analysis.service, phase: view?.phase ?? 'unknown', rule, weights, hooks: calls });
    print(`  ${analysis.service.padEnd(9)} ${(view?.phase ?? 'unknown').toUpperCase().padEnd(9)} rule ${rule ?? '-'}`);
    print(`  ${''.padEnd(9)} deployer received: ${calls.join(', ') || 'nothing'}`);
  }
  const [healthy, bad] = outcome.analyses;
  outcome.ok = healthy?.phase === 'succeeded' && healthy.hooks.at(-1) === 'complete' && bad?.phase === 'aborted' && bad.hooks.at(-1) === 'rollback';
  print('');
  print(outcome.ok ? 'demo ok: the healthy canary was promoted through every step, the bad one rolled back by its rule' : 'demo did NOT end as expected');
  return outcome;
}
