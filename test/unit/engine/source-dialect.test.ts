// The tick renders each query in the dialect of the source that runs it (a source plug-in brings its
// own escaping); a source without one gets PromQL's.
import { describe, expect, it } from 'vitest';
import type { Measurement } from '../../../src/analysis/types.js';
import { startAnalysis } from '../../../src/analysis/step-machine.js';
import { createLimiter } from '../../../src/engine/limit.js';
import { runTick } from '../../../src/engine/tick.js';
import type { MetricSource } from '../../../src/sources/types.js';
import { judgeLoadOptions, judgeRegistry } from '../../../src/stats/registry.js';
import type { QueryDialect } from '../../../src/template/dialect.js';
import { parseTemplate } from '../../../src/template/load.js';
import { MINIMAL_TEMPLATE } from '../template/template-text.js';

function recordingSource(dialect?: QueryDialect): MetricSource & { queries: string[] } {
  const queries: string[] = [];
  const answer = async (query: string): Promise<Measurement> => {
    queries.push(query);
    return { kind: 'value', value: 1 };
  };
  return { name: 'default', queries, ...(dialect === undefined ? {} : { dialect }), instantQuery: answer, rangeQuery: answer };
}

const markingDialect: QueryDialect = {
  name: 'Marking',
  checkSyntax: () => null,
  escape: (value) => `«${value}»`,
  probeQuery: '1',
};

async function queriesOf(source: MetricSource & { queries: string[] }): Promise<string[]> {
  const parsed = parseTemplate(MINIMAL_TEMPLATE, 't.yaml', judgeLoadOptions);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const t0 = Date.UTC(2026, 0, 1);
  const state = startAnalysis(parsed.template, t0).state;
  await runTick(
    { template: parsed.template, args: { service: 'checkout' }, state, judgeMemory: {}, now: t0 + 60_000 },
    { source, judges: judgeRegistry, limit: createLimiter(4) },
  );
  return source.queries;
}

describe("queries are rendered in the source's dialect", () => {
  it("escapes arguments and the variant with the source's own dialect", async () => {
    const queries = await queriesOf(recordingSource(markingDialect));
    expect(queries).toHaveLength(2);
    for (const query of queries) expect(query).toContain('service="«checkout»"');
    expect(queries.some((query) => query.includes('track="«baseline»"'))).toBe(true);
    expect(queries.some((query) => query.includes('track="«canary»"'))).toBe(true);
  });

  it('renders PromQL for a source that names no dialect', async () => {
    const queries = await queriesOf(recordingSource());
    expect(queries.some((query) => query.includes('errors_total{service="checkout",track="baseline"}'))).toBe(true);
  });
});
