// Every PromQL query of the shipped Grafana dashboards runs against a real Prometheus that scrapes
// canaryd's gate metrics: no query errors, and the panels that should show data do.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createGateMetrics, renderMetrics, type GateMetrics } from '../../src/telemetry/metrics.js';
import { startPrometheus, type RunningPrometheus } from '../helpers/prometheus.js';
import { metricResult, populateSampleMetrics, SAMPLE_ANALYSES, tickVerdict } from '../unit/telemetry/verdict-fixtures.js';

interface Target {
  expr: string;
  legendFormat?: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  panels?: Panel[];
  gridPos: { x: number; y: number; w: number; h: number };
}
interface Variable {
  name: string;
  type: string;
  query: string | { query: string };
}
interface Dashboard {
  uid: string;
  title: string;
  tags: string[];
  schemaVersion: number;
  __inputs: Array<{ type: string; pluginId: string }>;
  __requires: Array<{ type: string; id: string }>;
  templating: { list: Variable[] };
  panels: Panel[];
}

// Grafana's own variable syntax, compared as a plain string.
// biome-ignore lint/suspicious/noTemplateCurlyInString: a Grafana ${datasource} variable, not a JavaScript template
const DATASOURCE_VARIABLE = '${datasource}';

const DASHBOARDS = ['canaryd-overview', 'canaryd-analysis'] as const;
type DashboardName = (typeof DASHBOARDS)[number];

function loadDashboard(name: DashboardName): Dashboard {
  return JSON.parse(readFileSync(new URL(`../../dashboards/${name}.json`, import.meta.url), 'utf8')) as Dashboard;
}

function allPanels(panels: Panel[]): Panel[] {
  return panels.flatMap((panel) => [panel, ...allPanels(panel.panels ?? [])]);
}

/** Values Grafana would put in place of its variables, for a freshly started Prometheus scraping every second. */
const BUILTIN_VARIABLES: Record<string, string> = { __rate_interval: '10s', __interval: '2s', __range: '1m' };
const DASHBOARD_VARIABLES: Record<DashboardName, Record<string, string>> = {
  'canaryd-overview': { template: '.*', environment: '.*' },
  'canaryd-analysis': { analysis: SAMPLE_ANALYSES.aborted.analysis, template: SAMPLE_ANALYSES.aborted.template, metric: 'error_rate' },
};

function substitute(expr: string, variables: Record<string, string>): string {
  let result = expr;
  for (const name of Object.keys(variables).sort((a, b) => b.length - a.length)) {
    const value = variables[name] ?? '';
    result = result.split(`\${${name}}`).join(value).split(`$${name}`).join(value);
  }
  return result;
}

/** Every panel of both dashboards: the data populated below must show in each of them. */
const PANELS_WITH_DATA: Record<DashboardName, string[]> = {
  'canaryd-overview': [
    'Running',
    'Paused',
    'Pending',
    'Aborts in range',
    'Source errors in range',
    'Adapter failures in range',
    'Analyses by phase',
    'Analyses',
    'Verdicts by rule',
    'Decisions by rule',
    'Aborts by rule',
    'Source errors by kind',
    'Adapter calls not succeeding',
    'Tick lag p50 / p99',
    'Tick duration p50 / p99',
    'Source query duration p50 / p99',
  ],
  'canaryd-analysis': [
    'Phase',
    'Step',
    'Canary weight',
    'Analysis',
    'Step and weight over time',
    'Phase over time',
    '$metric: baseline vs canary',
    'Regressed (judged metrics)',
    'p-value (judged metrics)',
    'Which rule fired when',
    'Verdicts per interval by rule',
    'Verdicts by rule',
    'Metric values now',
    'Tick lag and duration of this template (p99)',
  ],
};

describe('dashboards: structure', () => {
  for (const name of DASHBOARDS) {
    it(`${name} imports as it is and uses only the datasource variable`, () => {
      const dashboard = loadDashboard(name);
      expect(dashboard.uid).toBe(name);
      expect(dashboard.title).toMatch(/^canaryd/);
      expect(dashboard.tags).toContain('canaryd');
      expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
      expect(dashboard.__inputs).toContainEqual(expect.objectContaining({ type: 'datasource', pluginId: 'prometheus' }));
      expect(dashboard.__requires).toContainEqual(expect.objectContaining({ type: 'datasource', id: 'prometheus' }));

      const datasourceVariable = dashboard.templating.list.find((variable) => variable.name === 'datasource');
      expect(datasourceVariable).toMatchObject({ type: 'datasource', query: 'prometheus' });

      const panels = allPanels(dashboard.panels);
      expect(new Set(panels.map((panel) => panel.id)).size).toBe(panels.length);
      const requiredPanelTypes = dashboard.__requires.filter((item) => item.type === 'panel').map((item) => item.id);
      for (const panel of panels) {
        expect(panel.datasource, panel.title).toEqual({ type: 'prometheus', uid: DATASOURCE_VARIABLE });
        expect(requiredPanelTypes, panel.title).toContain(panel.type);
        expect(panel.gridPos.x + panel.gridPos.w, panel.title).toBeLessThanOrEqual(24);
        expect(panel.targets?.length ?? 0, panel.title).toBeGreaterThan(0);
        for (const target of panel.targets ?? []) {
          expect(target.datasource ?? panel.datasource, panel.title).toEqual({ type: 'prometheus', uid: DATASOURCE_VARIABLE });
        }
      }
      // No datasource uid anywhere other than the variable (and Grafana's built-in annotations).
      const uids = [...JSON.stringify(dashboard).matchAll(/"uid":\s*"([^"]*)"/g)].map((match) => match[1]);
      expect(new Set(uids)).toEqual(new Set([name, DATASOURCE_VARIABLE, '-- Grafana --']));
      expect(panels.map((panel) => panel.title).sort()).toEqual([...PANELS_WITH_DATA[name]].sort());
    });
  }
});

interface QueryAnswer {
  status: string;
  error?: string;
  data?: { resultType: string; result: Array<{ metric: Record<string, string> }> } | string[];
}

async function prometheusGet(prometheus: RunningPrometheus, path: string, params: Record<string, string | string[]>): Promise<QueryAnswer> {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    for (const item of Array.isArray(value) ? value : [value]) search.append(key, item);
  }
  const response = await fetch(`${prometheus.url}${path}?${search.toString()}`, { signal: AbortSignal.timeout(5_000) });
  return (await response.json()) as QueryAnswer;
}

function seriesOf(answer: QueryAnswer): Array<{ metric: Record<string, string> }> {
  return answer.data !== undefined && !Array.isArray(answer.data) ? answer.data.result : [];
}

describe('dashboards: every query against a real Prometheus', () => {
  let registry: Registry;
  let gate: GateMetrics;
  let server: Server;
  let prometheus: RunningPrometheus | undefined;
  let scrapes = 0;

  beforeAll(async () => {
    registry = new Registry();
    gate = createGateMetrics(registry);
    populateSampleMetrics(gate);
    server = createServer((request, response) => {
      if (request.url !== '/metrics') {
        response.writeHead(404).end();
        return;
      }
      // Something happens between scrapes, so rates and quantiles have data.
      scrapes += 1;
      const running = SAMPLE_ANALYSES.running;
      gate.recordVerdict(
        running,
        tickVerdict('continue', null, [metricResult('error_rate', { baseline: 0.01, canary: 0.01 + scrapes / 10_000 }, { regressed: false, pValue: 0.5 })]),
      );
      gate.recordQuery('default', scrapes % 3 === 0 ? 'timeout' : 'ok', 0.01 * (scrapes % 7));
      gate.recordQuery('default', 'missing', 0.02);
      gate.recordAdapterCall('deployer', 'set-weight', scrapes % 2 === 0 ? 'retry' : 'failure');
      gate.recordTick('http-errors', 0.05 * (scrapes % 5), 0.002 * scrapes);
      gate.recordTick('latency', 0.3, 0.01);
      gate.recordDecision('http-errors', 'abort', 'error-rate-regressed');
      void renderMetrics(registry).then(
        ({ contentType, body }) => response.writeHead(200, { 'Content-Type': contentType }).end(body),
        (error: unknown) => response.writeHead(500).end(String(error)),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    prometheus = await startPrometheus({ scrapeConfigs: [{ job: 'canaryd', target: `127.0.0.1:${port}`, intervalSeconds: 1 }] });

    // Bounded wait for a few scrapes to be in the TSDB.
    const deadline = Date.now() + 15_000;
    let stored = 0;
    while (Date.now() < deadline) {
      const answer = await prometheusGet(prometheus, '/api/v1/query', { query: 'count_over_time(canaryd_analyses{phase="running"}[1m])' });
      const first = seriesOf(answer)[0] as { value?: [number, string] } | undefined;
      stored = Number(first?.value?.[1] ?? 0);
      if (stored >= 5) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(stored, 'samples of canaryd_analyses scraped').toBeGreaterThanOrEqual(5);
  });

  afterAll(async () => {
    await prometheus?.stop();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  for (const name of DASHBOARDS) {
    it(`${name}: every panel query runs without error and the panels show data`, async () => {
      const running = prometheus as RunningPrometheus;
      const dashboard = loadDashboard(name);
      const variables = { ...BUILTIN_VARIABLES, ...DASHBOARD_VARIABLES[name] };
      const nowSeconds = Date.now() / 1000;
      const emptyTargets: Array<{ title: string; expr: string }> = [];
      let queries = 0;
      for (const panel of allPanels(dashboard.panels)) {
        for (const target of panel.targets ?? []) {
          const expr = substitute(target.expr, variables);
          expect(expr, `${panel.title}: unsubstituted variable`).not.toContain('$');
          const instant = await prometheusGet(running, '/api/v1/query', { query: expr });
          expect(instant, `${panel.title}: ${expr}`).toMatchObject({ status: 'success' });
          const range = await prometheusGet(running, '/api/v1/query_range', {
            query: expr,
            start: String(nowSeconds - 8),
            end: String(nowSeconds),
            step: '1',
          });
          expect(range, `${panel.title} (range): ${expr}`).toMatchObject({ status: 'success' });
          queries += 1;
          const series = seriesOf(instant);
          if (series.length === 0 || seriesOf(range).length === 0) emptyTargets.push({ title: panel.title, expr });
          // Legends name labels the query keeps.
          for (const match of (target.legendFormat ?? '').matchAll(/\{\{\s*(\w+)\s*\}\}/g)) {
            for (const item of series) expect(item.metric, `${panel.title}: legend label ${match[1]}`).toHaveProperty(match[1] ?? '');
          }
        }
      }
      expect(queries).toBeGreaterThanOrEqual(14);
      const expected = new Set(PANELS_WITH_DATA[name]);
      expect(emptyTargets.filter((entry) => expected.has(entry.title))).toEqual([]);
    });

    it(`${name}: variable queries find the analyses`, async () => {
      const running = prometheus as RunningPrometheus;
      const dashboard = loadDashboard(name);
      for (const variable of dashboard.templating.list.filter((item) => item.type === 'query')) {
        const query = typeof variable.query === 'string' ? variable.query : variable.query.query;
        const parsed = /^label_values\((.+),\s*(\w+)\)$/.exec(substitute(query, DASHBOARD_VARIABLES[name]));
        expect(parsed, `${variable.name}: ${query}`).not.toBeNull();
        const [, selector = '', label = ''] = parsed ?? [];
        const answer = await prometheusGet(running, `/api/v1/label/${label}/values`, { 'match[]': selector });
        expect(answer.status).toBe('success');
        expect((answer.data as string[]).length, `${variable.name} has values`).toBeGreaterThan(0);
        if (variable.name === 'analysis') {
          expect(answer.data).toEqual(expect.arrayContaining(Object.values(SAMPLE_ANALYSES).map((labels) => labels.analysis)));
        }
      }
    });
  }
});
