// The Store contract of listAnalysisSummaries: cursor pages in creation order, filters by target,
// summaries without the full verdict. Part of runStoreContract (every backend runs it).

import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/analysis/errors.js';
import type { TickVerdict } from '../../src/analysis/types.js';
import type { AnalysisListQuery, AnalysisSummary, Store } from '../../src/store/types.js';
import { FIXED_NOW, makeRecord, makeState } from './store-contract.js';

async function allPages(store: Store, query: Omit<AnalysisListQuery, 'cursor'>): Promise<{ ids: string[][]; cursors: Array<string | null> }> {
  const ids: string[][] = [];
  const cursors: Array<string | null> = [];
  let cursor: string | undefined;
  for (let page = 0; page < 100; page += 1) {
    const answer = await store.listAnalysisSummaries(cursor === undefined ? query : { ...query, cursor });
    ids.push(answer.analyses.map((summary) => summary.id));
    cursors.push(answer.nextCursor);
    if (answer.nextCursor === null) return { ids, cursors };
    cursor = answer.nextCursor;
  }
  throw new Error('more than 100 pages: the cursor does not advance');
}

async function refusal(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

const VERDICT: TickVerdict = {
  action: 'hold',
  rule: { id: 'low-traffic', group: 'hold' },
  reason: 'requests.canary < 200 (observed 12)',
  conditions: [{ rule: 'low-traffic', group: 'hold', text: 'requests.canary < 200', value: 'true', observed: { 'requests.canary': 12 } }],
  metrics: [],
  window: '10m',
  at: '2025-03-01T12:05:00.000Z',
  evidenceHash: 'f'.repeat(64),
} as unknown as TickVerdict;

export function runStoreListContract(backend: string, open: () => Promise<Store> | Store): void {
  describe(`Store contract: ${backend}, pages of summaries`, () => {
    it('pages through every analysis in creation order; the last page has no cursor', async () => {
      const store = await open();
      const ids = ['k', 'b', 'x', 'a', 'm', 'c', 'z'];
      for (const id of ids) await store.createAnalysis(makeRecord(id), [], []);
      // A transition does not move an analysis in the order.
      await store.commitTransition(makeRecord('k', { version: 2, state: makeState('paused') }), [], []);
      const byThree = await allPages(store, { limit: 3 });
      expect(byThree.ids).toEqual([['k', 'b', 'x'], ['a', 'm', 'c'], ['z']]);
      expect(byThree.cursors[2]).toBeNull();
      expect(byThree.cursors.slice(0, 2).every((cursor) => typeof cursor === 'string' && cursor.length > 0)).toBe(true);
      // A limit that divides the count exactly: no empty page at the end.
      expect((await allPages(store, { limit: 7 })).ids).toEqual([ids]);
      await store.close();
    });

    it('an analysis created after a page was read appears on a later page', async () => {
      const store = await open();
      for (const id of ['a', 'b', 'c']) await store.createAnalysis(makeRecord(id), [], []);
      const first = await store.listAnalysisSummaries({ limit: 2 });
      expect(first.analyses.map((summary) => summary.id)).toEqual(['a', 'b']);
      await store.createAnalysis(makeRecord('d'), [], []);
      const second = await store.listAnalysisSummaries({ limit: 2, cursor: first.nextCursor ?? 'missing' });
      expect(second.analyses.map((summary) => summary.id)).toEqual(['c', 'd']);
      expect(second.nextCursor).toBeNull();
      await store.close();
    });

    it('filters by phase, template, service, environment and version, all given filters together', async () => {
      const store = await open();
      const target = (service: string, environment: string, version: string) => ({ target: { service, environment, version } });
      await store.createAnalysis(makeRecord('a', target('checkout', 'prod', 'v2')), [], []);
      await store.createAnalysis(makeRecord('b', { ...target('checkout', 'staging', 'v2'), state: makeState('paused') }), [], []);
      await store.createAnalysis(makeRecord('c', { ...target('search', 'prod', 'v3'), template: 'queue-worker' }), [], []);
      await store.createAnalysis(makeRecord('d', target('checkout', 'prod', 'v3')), [], []);
      const ids = async (query: Omit<AnalysisListQuery, 'limit'>) => (await allPages(store, { limit: 1, ...query })).ids.flat();
      expect(await ids({ service: 'checkout' })).toEqual(['a', 'b', 'd']);
      expect(await ids({ environment: 'prod' })).toEqual(['a', 'c', 'd']);
      expect(await ids({ version: 'v3' })).toEqual(['c', 'd']);
      expect(await ids({ phase: 'paused' })).toEqual(['b']);
      expect(await ids({ template: 'queue-worker' })).toEqual(['c']);
      expect(await ids({ service: 'checkout', environment: 'prod', version: 'v2', phase: 'running' })).toEqual(['a']);
      expect(await ids({ service: 'nothing' })).toEqual([]);
      await store.close();
    });

    it('a summary has the target, phase, step and the last verdict’s action and rule, not its conditions or metrics', async () => {
      const store = await open();
      const state = { ...makeState('running', 2), lastVerdict: VERDICT, decidedBy: null, follow: { weight: 25, promoted: false } };
      await store.createAnalysis(makeRecord('a', { createdBy: 'alice', templateHash: 'a'.repeat(64), judgeMemory: { big: [1, 2, 3] } }), [], []);
      await store.commitTransition(
        makeRecord('a', { version: 2, state, updatedAt: '2025-03-01T12:05:00.000Z', createdBy: 'alice', templateHash: 'a'.repeat(64) }),
        [],
        [],
      );
      const [summary] = (await store.listAnalysisSummaries({ limit: 10 })).analyses;
      const expected: AnalysisSummary = {
        id: 'a',
        template: 'http-service',
        args: { service: 'checkout' },
        mode: 'drive',
        adapter: 'deployer',
        target: { service: 'checkout', environment: 'prod', version: 'v2' },
        phase: 'running',
        stepIndex: 2,
        startedAt: FIXED_NOW,
        stepStartedAt: FIXED_NOW,
        decidedAt: null,
        decidedBy: null,
        lastVerdict: { action: 'hold', rule: { id: 'low-traffic', group: 'hold' }, reason: VERDICT.reason, at: VERDICT.at, evidenceHash: VERDICT.evidenceHash },
        observedWeight: 25,
        createdAt: '2025-03-01T12:00:00.000Z',
        updatedAt: '2025-03-01T12:05:00.000Z',
        version: 2,
        createdBy: 'alice',
        templateHash: 'a'.repeat(64),
        pinnedStepWeights: null,
      };
      expect(summary).toEqual(expected);
      await store.close();
    });

    it('refuses a cursor it did not give out and a limit outside 1..1000, naming the field', async () => {
      const store = await open();
      await store.createAnalysis(makeRecord('a'), [], []);
      for (const cursor of ['', 'not a cursor', 'eyJ4IjoxfQ', '!!!']) {
        const error = await refusal(store.listAnalysisSummaries({ limit: 10, cursor }));
        expect({ code: error.code, field: error.field }).toEqual({ code: 'invalid-request', field: 'cursor' });
      }
      for (const limit of [0, -1, 1.5, 1001]) {
        const error = await refusal(store.listAnalysisSummaries({ limit }));
        expect({ code: error.code, field: error.field }).toEqual({ code: 'invalid-request', field: 'limit' });
      }
      await store.close();
    });
  });
}
