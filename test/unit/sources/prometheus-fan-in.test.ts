// Fan-in against a real HTTP server: the same question (query, evaluation time) from several
// analyses is one request; different evaluation times are different requests.

import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startAnalysis } from '../../../src/analysis/step-machine.js';
import type { CompiledTemplate } from '../../../src/analysis/types.js';
import { createLimiter } from '../../../src/engine/limit.js';
import { runTick } from '../../../src/engine/tick.js';
import { createPrometheusSource, FAN_IN_KEEP_MS } from '../../../src/sources/prometheus/source.js';
import type { MetricSource } from '../../../src/sources/types.js';
import { judgeLoadOptions, judgeRegistry } from '../../../src/stats/registry.js';
import { parseTemplate } from '../../../src/template/load.js';
import { startFakeServer, type FakeServer, type RecordedRequest } from '../../helpers/fake-http.js';
import { MINIMAL_TEMPLATE } from '../template/template-text.js';

const T0 = Date.UTC(2026, 0, 1, 12);

function answer(response: ServerResponse, value: string): void {
  response.writeHead(200, { 'Content-Type': 'application/json' });
  response.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [T0 / 1000, value] }] } }));
}

/** Answers after `delayMs`, so concurrent questions overlap in flight. */
function slowAnswers(delayMs: number, value = '1'): (request: RecordedRequest, response: ServerResponse) => void {
  return (_request, response) => {
    setTimeout(() => answer(response, value), delayMs);
  };
}

function formOf(request: RecordedRequest): URLSearchParams {
  return new URLSearchParams(request.body);
}

let server: FakeServer | undefined;
const sources: MetricSource[] = [];
afterEach(async () => {
  await Promise.all(sources.splice(0).map((source) => source.close?.()));
  await server?.close();
  server = undefined;
});

function sourceFor(url: string, extra: { queryAlignmentMs?: number; monotonicNow?: () => number } = {}): MetricSource {
  const source = createPrometheusSource({ name: 'default', url, timeoutMs: 5_000, ...extra });
  sources.push(source);
  return source;
}

function template(): CompiledTemplate {
  const parsed = parseTemplate(MINIMAL_TEMPLATE, 'minimal.yaml', judgeLoadOptions);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.template;
}

describe('Prometheus fan-in', () => {
  it('two analyses of the same template and service at the same evaluation time send one request per query', async () => {
    server = await startFakeServer(slowAnswers(30));
    const source = sourceFor(server.url);
    const compiled = template();
    const now = T0 + 5 * 60_000;
    const deps = { source, judges: judgeRegistry, limit: createLimiter(16) };
    const tick = () => runTick({ template: compiled, args: { service: 'checkout' }, state: startAnalysis(compiled, T0).state, judgeMemory: {}, now }, deps);
    const [first, second] = await Promise.all([tick(), tick()]);
    // One metric, two variants: two questions, each asked once for both analyses.
    expect(server.requests).toHaveLength(2);
    expect(new Set(server.requests.map((request) => formOf(request).get('query'))).size).toBe(2);
    expect(first.verdict.metrics[0]?.canary).toBe(1);
    expect(second.verdict.metrics).toEqual(first.verdict.metrics);
  });

  it('different evaluation times are different requests', async () => {
    server = await startFakeServer(slowAnswers(30));
    const source = sourceFor(server.url);
    await Promise.all([source.instantQuery('up', T0), source.instantQuery('up', T0 + 60_000)]);
    expect(server.requests.map((request) => formOf(request).get('time'))).toEqual(
      expect.arrayContaining([(T0 / 1000).toFixed(3), ((T0 + 60_000) / 1000).toFixed(3)]),
    );
    expect(server.requests).toHaveLength(2);
  });

  it('a later caller of the same question reuses the answer while it is kept, and asks again after', async () => {
    server = await startFakeServer(slowAnswers(0, '7'));
    let monotonic = 0;
    const source = sourceFor(server.url, { monotonicNow: () => monotonic });
    expect(await source.instantQuery('up', T0)).toEqual({ kind: 'value', value: 7 });
    monotonic += FAN_IN_KEEP_MS - 1;
    expect(await source.instantQuery('up', T0)).toEqual({ kind: 'value', value: 7 });
    expect(server.requests).toHaveLength(1);
    monotonic += 2;
    await source.instantQuery('up', T0);
    expect(server.requests).toHaveLength(2);
  });

  it('does not keep an error: the next caller asks again', async () => {
    let calls = 0;
    server = await startFakeServer((_request, response) => {
      calls += 1;
      if (calls === 1) {
        response.writeHead(503, { 'Content-Type': 'text/plain' });
        response.end('overloaded');
      } else {
        answer(response, '3');
      }
    });
    const source = sourceFor(server.url);
    expect((await source.instantQuery('up', T0)).kind).toBe('error');
    expect(await source.instantQuery('up', T0)).toEqual({ kind: 'value', value: 3 });
    expect(server.requests).toHaveLength(2);
  });

  it('with queryAlignment, evaluation times within one window share one request at the window start', async () => {
    server = await startFakeServer(slowAnswers(30));
    const source = sourceFor(server.url, { queryAlignmentMs: 1_000 });
    await Promise.all([source.instantQuery('up', T0 + 200), source.instantQuery('up', T0 + 900), source.instantQuery('up', T0 + 1_100)]);
    expect(server.requests.map((request) => formOf(request).get('time')).sort()).toEqual([(T0 / 1000).toFixed(3), ((T0 + 1_000) / 1000).toFixed(3)]);
  });

  it('one caller abandoning a shared question does not cut it short for the others', async () => {
    server = await startFakeServer(slowAnswers(100, '5'));
    const source = sourceFor(server.url);
    const leaving = new AbortController();
    const abandoned = source.instantQuery('up', T0, { expect: 'single', signal: leaving.signal });
    const staying = source.instantQuery('up', T0);
    leaving.abort();
    expect((await abandoned).kind).toBe('error');
    expect(await staying).toEqual({ kind: 'value', value: 5 });
    expect(server.requests).toHaveLength(1);
  });
});
