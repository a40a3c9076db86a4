import { describe, expect, it } from 'vitest';
import { createLimiter } from '../../../src/engine/limit.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

describe('createLimiter', () => {
  it('runs at most `limit` tasks at once, the rest in order', async () => {
    const limit = createLimiter(2);
    const gates = [deferred(), deferred(), deferred(), deferred()];
    const started: number[] = [];
    const runs = gates.map((gate, index) =>
      limit(async () => {
        started.push(index);
        await gate.promise;
        return index;
      }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([0, 1]);
    gates[1]?.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([0, 1, 2]);
    for (const gate of gates) gate.resolve();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
  });

  it('an aborted signal takes its queued tasks out (they reject, never run); others keep their turn', async () => {
    const limit = createLimiter(1);
    const hold = deferred();
    const stopping = new AbortController();
    const ran: string[] = [];
    const first = limit(async () => {
      await hold.promise;
      ran.push('first');
    }, stopping.signal);
    const queued = limit(async () => {
      ran.push('queued');
    }, stopping.signal);
    const other = limit(async () => {
      ran.push('other');
    });
    stopping.abort(new Error('stopping'));
    await expect(queued).rejects.toThrow('stopping');
    hold.resolve();
    await first;
    await other;
    expect(ran).toEqual(['first', 'other']);
    await expect(limit(async () => 1, stopping.signal)).rejects.toThrow('stopping');
  });

  it('abandons 60 000 queued tasks of one signal at once, not one by one', async () => {
    const limit = createLimiter(16);
    const hold = deferred();
    const stopping = new AbortController();
    const queued = Array.from({ length: 60_000 }, () => limit(() => hold.promise, stopping.signal).catch(() => 'abandoned'));
    const began = performance.now();
    stopping.abort(new Error('stopping'));
    hold.resolve();
    const outcomes = await Promise.all(queued);
    expect(performance.now() - began).toBeLessThan(2_000);
    expect(outcomes.filter((outcome) => outcome === 'abandoned')).toHaveLength(60_000 - 16);
  });
});
