// CommitGroup: which commits share a write, what each caller is told, and the retry one by one.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CommitGroup, type CommitOutcome } from '../../../src/store/sqlite/commit-group.js';

interface Recorder {
  batches: string[][];
  alone: string[];
}

// The fake timers' clock: a commit is "quiet" when nothing was written for maxDelayMs.
const fakeNow = () => Date.now();

/** A group that has just written something, so the next commits queue. */
function groupOf(recorder: Recorder, options = { maxBatch: 3, maxDelayMs: 5, now: fakeNow }, together?: (items: readonly string[]) => CommitOutcome[]) {
  const group = new CommitGroup<string>(
    (items) => {
      recorder.batches.push([...items]);
      return together ? together(items) : items.map(() => undefined);
    },
    (item) => {
      recorder.alone.push(item);
      if (item.startsWith('bad')) throw new Error(`${item} refused`);
    },
    options,
  );
  void group.add('warm-up');
  recorder.batches.length = 0;
  recorder.alone.length = 0;
  return group;
}

async function settled(promise: Promise<void>): Promise<string> {
  return promise.then(
    () => 'written',
    (error: unknown) => (error instanceof Error ? error.message : String(error)),
  );
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('CommitGroup', () => {
  it('writes a commit at once when nothing was written for maxDelayMs, and queues the ones that follow', async () => {
    const recorder: Recorder = { batches: [], alone: [] };
    const group = groupOf(recorder);
    vi.advanceTimersByTime(5);
    const first = settled(group.add('a'));
    expect(recorder.batches).toEqual([['a']]);
    const second = settled(group.add('b'));
    expect(recorder.batches).toEqual([['a']]);
    vi.advanceTimersByTime(5);
    expect(recorder.batches).toEqual([['a'], ['b']]);
    expect(await Promise.all([first, second])).toEqual(['written', 'written']);
  });

  it('writes the commits queued within maxDelayMs together, and none before', async () => {
    const recorder: Recorder = { batches: [], alone: [] };
    const group = groupOf(recorder);
    const first = group.add('a');
    const second = group.add('b');
    vi.advanceTimersByTime(4);
    expect(recorder.batches).toEqual([]);
    expect(group.pending).toBe(2);
    vi.advanceTimersByTime(1);
    expect(recorder.batches).toEqual([['a', 'b']]);
    expect(await Promise.all([settled(first), settled(second)])).toEqual(['written', 'written']);
    expect(group.pending).toBe(0);
  });

  it('writes at once when maxBatch commits are queued', async () => {
    const recorder: Recorder = { batches: [], alone: [] };
    const group = groupOf(recorder);
    const all = ['a', 'b', 'c', 'd'].map((item) => settled(group.add(item)));
    expect(recorder.batches).toEqual([['a', 'b', 'c']]);
    vi.advanceTimersByTime(5);
    expect(recorder.batches).toEqual([['a', 'b', 'c'], ['d']]);
    expect(await Promise.all(all)).toEqual(['written', 'written', 'written', 'written']);
  });

  it('a refused commit fails alone; the others of its batch are written', async () => {
    const recorder: Recorder = { batches: [], alone: [] };
    const group = groupOf(recorder, { maxBatch: 3, maxDelayMs: 5, now: fakeNow }, (items) =>
      items.map((item) => (item === 'stale' ? new Error('stale version') : undefined)),
    );
    const results = ['a', 'stale', 'c'].map((item) => settled(group.add(item)));
    expect(await Promise.all(results)).toEqual(['written', 'stale version', 'written']);
    expect(recorder.alone).toEqual([]);
  });

  it('a batch that fails as a whole is written commit by commit', async () => {
    const recorder: Recorder = { batches: [], alone: [] };
    const group = groupOf(recorder, { maxBatch: 3, maxDelayMs: 5, now: fakeNow }, () => {
      throw new Error('constraint failed');
    });
    const results = ['a', 'bad-row', 'c'].map((item) => settled(group.add(item)));
    expect(await Promise.all(results)).toEqual(['written', 'bad-row refused', 'written']);
    expect(recorder.alone).toEqual(['a', 'bad-row', 'c']);
  });

  it('flush writes what is queued now and cancels the timer', async () => {
    const recorder: Recorder = { batches: [], alone: [] };
    const group = groupOf(recorder);
    const first = settled(group.add('a'));
    group.flush();
    expect(recorder.batches).toEqual([['a']]);
    vi.advanceTimersByTime(10);
    group.flush();
    expect(recorder.batches).toEqual([['a']]);
    expect(await first).toBe('written');
  });
});
