import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualClock, systemClock } from '../../../src/daemon/clock.js';
import { ManualScheduler } from '../../../src/daemon/manual-scheduler.js';
import { nextSlot, TimerScheduler, type TickRun } from '../../../src/daemon/scheduler.js';
import { SerialLanes } from '../../../src/daemon/lanes.js';

const T = Date.UTC(2024, 0, 1);

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

describe('nextSlot', () => {
  it('is the first firstAt + k·interval not in the past', () => {
    expect(nextSlot(T + 45_000, 45_000, T)).toBe(T + 45_000);
    expect(nextSlot(T, 45_000, T)).toBe(T);
    expect(nextSlot(T, 45_000, T + 1)).toBe(T + 45_000);
    expect(nextSlot(T, 45_000, T + 100_000)).toBe(T + 135_000);
    expect(() => nextSlot(T, 0, T)).toThrow(RangeError);
  });
});

describe('TimerScheduler', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: T });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs at firstAt + k·interval without drift, even when runs take time', async () => {
    const scheduler = new TimerScheduler({ clock: systemClock });
    const starts: number[] = [];
    scheduler.every('a', 45_000, T + 45_000, async () => {
      starts.push(Date.now());
      await new Promise((resolve) => setTimeout(resolve, 7_000)); // a slow tick
    });
    await vi.advanceTimersByTimeAsync(4 * 45_000 + 10_000);
    expect(starts).toEqual([T + 45_000, T + 90_000, T + 135_000, T + 180_000]);
    await scheduler.stop();
  });

  it('starts from the next slot in the future when firstAt has passed (a restart)', async () => {
    vi.setSystemTime(T + 100_000);
    const scheduler = new TimerScheduler({ clock: systemClock });
    const starts: number[] = [];
    scheduler.every('a', 45_000, T + 45_000, async () => {
      starts.push(Date.now());
    });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(starts).toEqual([T + 135_000]);
    await scheduler.stop();
  });

  it('never overlaps a job: busy slots are skipped and the next run serves the first skipped one', async () => {
    const scheduler = new TimerScheduler({ clock: systemClock });
    const runs: Array<TickRun & { at: number }> = [];
    const gate = deferred();
    let active = 0;
    let maxActive = 0;
    scheduler.every('a', 10_000, T + 10_000, async (run) => {
      runs.push({ ...run, at: Date.now() });
      active += 1;
      maxActive = Math.max(maxActive, active);
      if (runs.length === 1) await gate.promise;
      active -= 1;
    });
    await vi.advanceTimersByTimeAsync(35_000); // slots 10s (runs), 20s and 30s (skipped)
    expect(runs).toHaveLength(1);
    gate.resolve();
    await vi.advanceTimersByTimeAsync(10_000); // slot 40s
    expect(runs[1]).toEqual({ scheduledAt: T + 20_000, skipped: 2, at: T + 40_000 });
    expect(maxActive).toBe(1);
    await scheduler.stop();
  });

  it('cancel stops a job; stop() waits for the run in flight', async () => {
    const errors: string[] = [];
    const scheduler = new TimerScheduler({ clock: systemClock, onError: (key) => errors.push(key) });
    const gate = deferred();
    let runs = 0;
    scheduler.every('slow', 10_000, T + 10_000, async () => {
      runs += 1;
      await gate.promise;
    });
    scheduler.every('gone', 10_000, T + 10_000, async () => {
      throw new Error('never runs');
    });
    scheduler.cancel('gone');
    expect(scheduler.has('gone')).toBe(false);
    await vi.advanceTimersByTimeAsync(10_000);
    let stopped = false;
    const stopping = scheduler.stop().then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(30_000);
    expect(stopped).toBe(false);
    gate.resolve();
    await stopping;
    expect(stopped).toBe(true);
    expect(runs).toBe(1);
    expect(errors).toEqual([]);
    expect(scheduler.has('slow')).toBe(false);
  });

  it('reports a failing run to onError and keeps the job', async () => {
    const errors: Array<[string, unknown]> = [];
    const scheduler = new TimerScheduler({ clock: systemClock, onError: (key, error) => errors.push([key, error]) });
    let runs = 0;
    scheduler.every('flaky', 1_000, T + 1_000, async () => {
      runs += 1;
      throw new Error(`boom ${runs}`);
    });
    await vi.advanceTimersByTimeAsync(2_000);
    expect(runs).toBe(2);
    expect(errors.map(([key, error]) => `${key}: ${(error as Error).message}`)).toEqual(['flaky: boom 1', 'flaky: boom 2']);
    await scheduler.stop();
  });

  it('registers calendar jobs through node-cron and removes them on cancel', async () => {
    const scheduler = new TimerScheduler({ clock: systemClock });
    scheduler.cron('sweep', '* * * * *', async () => undefined);
    expect(scheduler.has('sweep')).toBe(true);
    scheduler.cancel('sweep');
    expect(scheduler.has('sweep')).toBe(false);
    await scheduler.stop();
  });
});

describe('ManualScheduler', () => {
  it('fires slots in time order and sets the clock to each slot', async () => {
    const clock = new ManualClock(T);
    const scheduler = new ManualScheduler(clock);
    const seen: string[] = [];
    scheduler.every('a', 30_000, T + 30_000, async () => {
      seen.push(`a@${clock.now() - T}`);
    });
    scheduler.every('b', 45_000, T + 45_000, async () => {
      seen.push(`b@${clock.now() - T}`);
    });
    await scheduler.advance(90_000);
    expect(seen).toEqual(['a@30000', 'b@45000', 'a@60000', 'a@90000', 'b@90000']);
    expect(clock.now()).toBe(T + 90_000);
  });
});

describe('SerialLanes', () => {
  it('runs the work of one key in order and other keys concurrently', async () => {
    const lanes = new SerialLanes();
    const order: string[] = [];
    const gate = deferred();
    void lanes.run('x', async () => {
      await gate.promise;
      order.push('x1');
    });
    void lanes.run('x', async () => {
      order.push('x2');
    });
    await lanes.run('y', async () => {
      order.push('y1');
    });
    expect(order).toEqual(['y1']);
    gate.resolve();
    await lanes.idle();
    expect(order).toEqual(['y1', 'x1', 'x2']);
    expect(lanes.busy('x')).toBe(false);
  });

  it('keeps a lane going after a failure', async () => {
    const lanes = new SerialLanes();
    await expect(lanes.run('x', async () => Promise.reject(new Error('no')))).rejects.toThrow('no');
    expect(await lanes.run('x', async () => 7)).toBe(7);
  });
});
