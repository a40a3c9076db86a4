// A Scheduler for tests and simulations: nothing runs until the test moves time with advance().
// Same rules as the timer scheduler: slots at firstAt + k·interval, a job never overlaps itself.

import type { ManualClock } from './clock.js';
import { abortOnStop, nextSlot, startRun, type RunState, type ScheduledTask, type Scheduler } from './scheduler.js';

interface ManualJob extends RunState {
  intervalMs: number;
  nextAt: number;
  task: ScheduledTask;
}

export class ManualScheduler implements Scheduler {
  private readonly jobs = new Map<string, ManualJob>();
  private readonly cronJobs = new Map<string, { expression: string; task: () => Promise<void> }>();
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;
  private readonly stopping = abortOnStop();
  /** Occurrences skipped because the job was still running, per key (for assertions). */
  readonly skips = new Map<string, number>();
  readonly errors: Array<{ key: string; error: unknown }> = [];

  constructor(private readonly clock: ManualClock) {}

  every(key: string, intervalMs: number, firstAtMs: number, task: ScheduledTask): void {
    if (this.stopped) return;
    this.jobs.set(key, {
      intervalMs,
      nextAt: nextSlot(firstAtMs, intervalMs, this.clock.now()),
      task,
      running: false,
      skipped: 0,
      firstSkippedAt: null,
    });
  }

  cron(key: string, expression: string, task: () => Promise<void>): void {
    if (!this.stopped) this.cronJobs.set(key, { expression, task });
  }

  cancel(key: string): void {
    this.jobs.delete(key);
    this.cronJobs.delete(key);
  }

  has(key: string): boolean {
    return this.jobs.has(key) || this.cronJobs.has(key);
  }

  /** The next slot of a job, or undefined when there is no such job. */
  nextAt(key: string): number | undefined {
    return this.jobs.get(key)?.nextAt;
  }

  keys(): string[] {
    return [...this.jobs.keys()];
  }

  /**
   * Moves the clock forward by `ms`, firing every slot on the way in time order (the clock is set to
   * each slot as it fires). By default each run is awaited before time moves on; with
   * `awaitRuns: false` runs stay in flight, so later slots of the same job are skipped.
   */
  async advance(ms: number, options: { awaitRuns?: boolean } = {}): Promise<void> {
    const target = this.clock.now() + ms;
    for (;;) {
      const due = this.earliestDue(target);
      if (due === undefined) break;
      const [key, job] = due;
      this.clock.set(job.nextAt);
      const run = this.fire(key, job);
      if (run && options.awaitRuns !== false) await run;
      // Lets a run left in flight start (read the clock) before time moves on.
      else await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.clock.set(target);
  }

  /** Runs a calendar job now, as node-cron would at its time. */
  async runCron(key: string): Promise<void> {
    const job = this.cronJobs.get(key);
    if (!job) throw new Error(`no calendar job ${key}`);
    await this.track(key, job.task());
  }

  cronExpression(key: string): string | undefined {
    return this.cronJobs.get(key)?.expression;
  }

  /** Waits for every run in flight. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.jobs.clear();
    this.cronJobs.clear();
    this.stopping.abort(new Error('the scheduler stopped'));
    await this.idle();
  }

  private earliestDue(target: number): [string, ManualJob] | undefined {
    let earliest: [string, ManualJob] | undefined;
    for (const entry of this.jobs) {
      if (entry[1].nextAt > target) continue;
      if (earliest === undefined || entry[1].nextAt < earliest[1].nextAt) earliest = entry;
    }
    return earliest;
  }

  private fire(key: string, job: ManualJob): Promise<void> | undefined {
    const slot = job.nextAt;
    job.nextAt = slot + job.intervalMs;
    const running = startRun(job, slot, job.task, this.stopping.signal);
    if (running === undefined) {
      this.skips.set(key, (this.skips.get(key) ?? 0) + 1);
      return undefined;
    }
    return this.track(key, running);
  }

  private track(key: string, run: Promise<void>): Promise<void> {
    const guarded = run.catch((error: unknown) => {
      this.errors.push({ key, error });
    });
    this.inFlight.add(guarded);
    void guarded.finally(() => this.inFlight.delete(guarded));
    return guarded;
  }
}
