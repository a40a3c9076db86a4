// When analyses tick. Two kinds of jobs:
//
// - every(): an analysis ticks at startedAt + k·interval. Timers, not node-cron: a cron expression
//   only has whole-second fields aligned to the wall clock (":00, :45, :30" for "every 45s" is not
//   every 45s), and it cannot say "starting at this analysis' start". Each timer is computed from
//   the absolute schedule (firstAt + k·interval), never from the previous run, so ticks do not drift.
//   A job never overlaps itself: an occurrence that comes due while the previous run is still in
//   flight is skipped, and the next run reports its lag from the first skipped occurrence.
// - cron(): calendar jobs of the daemon itself (the metrics-retention sweep), through node-cron.

import { setMaxListeners } from 'node:events';
import cron, { type ScheduledTask as CronTask } from 'node-cron';
import type { Clock } from './clock.js';

export interface TickRun {
  /** The occurrence this run serves: its own slot, or the first slot skipped while the previous run was busy. */
  scheduledAt: number;
  /** Occurrences skipped since the previous run because it was still in flight. */
  skipped: number;
}

/**
 * `signal` aborts when the scheduler stops: a run in flight abandons its queued queries and calls
 * instead of waiting them out (nothing half-done is committed).
 */
export type ScheduledTask = (run: TickRun, signal: AbortSignal) => Promise<void>;

export interface Scheduler {
  /** Runs `task` at firstAtMs + k·intervalMs (the first such time not in the past); replaces a job with the same key. */
  every(key: string, intervalMs: number, firstAtMs: number, task: ScheduledTask): void;
  /** A calendar job (node-cron expression, e.g. "* * * * *"); never overlaps itself. */
  cron(key: string, expression: string, task: () => Promise<void>): void;
  /** Stops future runs of the job; a run in flight finishes. */
  cancel(key: string): void;
  has(key: string): boolean;
  /** Stops every job, aborts the signal handed to the runs in flight and waits for them. */
  stop(): Promise<void>;
}

/** The first slot firstAt + k·interval (k ≥ 0) at or after `now`. */
export function nextSlot(firstAtMs: number, intervalMs: number, now: number): number {
  if (!(intervalMs > 0)) throw new RangeError(`a schedule's interval must be positive, got ${intervalMs}`);
  if (firstAtMs >= now) return firstAtMs;
  return firstAtMs + Math.ceil((now - firstAtMs) / intervalMs) * intervalMs;
}

/** The controller whose signal every run gets; each tick in flight listens to it, so no listener limit. */
export function abortOnStop(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}

export type SchedulerErrorHandler = (key: string, error: unknown) => void;

// setTimeout's delay is a signed 32-bit number of ms; longer waits are chained.
const MAX_TIMER_MS = 2_147_483_647;

/** What the no-overlap rule needs to know of a job. */
export interface RunState {
  running: boolean;
  skipped: number;
  firstSkippedAt: number | null;
}

/**
 * The no-overlap rule every scheduler shares: a slot that comes due while the job's previous run is
 * still going is skipped and counted; the next run reports its lag from the first skipped slot.
 * Returns the run, or undefined when this slot was skipped.
 */
export function startRun(job: RunState, slot: number, task: ScheduledTask, signal: AbortSignal): Promise<void> | undefined {
  if (job.running) {
    job.skipped += 1;
    job.firstSkippedAt ??= slot;
    return undefined;
  }
  const run: TickRun = { scheduledAt: job.firstSkippedAt ?? slot, skipped: job.skipped };
  job.skipped = 0;
  job.firstSkippedAt = null;
  job.running = true;
  return Promise.resolve()
    .then(() => task(run, signal))
    .finally(() => {
      job.running = false;
    });
}

interface TimerJob extends RunState {
  intervalMs: number;
  nextAt: number;
  task: ScheduledTask;
  timer: NodeJS.Timeout | null;
}

export interface TimerSchedulerOptions {
  clock: Clock;
  onError?: SchedulerErrorHandler;
}

export class TimerScheduler implements Scheduler {
  private readonly jobs = new Map<string, TimerJob>();
  private readonly cronJobs = new Map<string, CronTask>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly stopping = abortOnStop();
  private stopped = false;

  constructor(private readonly options: TimerSchedulerOptions) {}

  every(key: string, intervalMs: number, firstAtMs: number, task: ScheduledTask): void {
    if (this.stopped) return;
    this.cancel(key);
    const job: TimerJob = {
      intervalMs,
      nextAt: nextSlot(firstAtMs, intervalMs, this.options.clock.now()),
      task,
      timer: null,
      running: false,
      skipped: 0,
      firstSkippedAt: null,
    };
    this.jobs.set(key, job);
    this.arm(key, job);
  }

  cron(key: string, expression: string, task: () => Promise<void>): void {
    if (this.stopped) return;
    this.cancel(key);
    const scheduled = cron.schedule(expression, () => this.track(key, task()), {
      name: key,
      noOverlap: true,
      // The HTTP server keeps the daemon alive; a calendar job alone should not.
      unref: true,
    });
    this.cronJobs.set(key, scheduled);
  }

  cancel(key: string): void {
    const job = this.jobs.get(key);
    if (job?.timer) clearTimeout(job.timer);
    this.jobs.delete(key);
    const cronJob = this.cronJobs.get(key);
    if (cronJob) void cronJob.destroy();
    this.cronJobs.delete(key);
  }

  has(key: string): boolean {
    return this.jobs.has(key) || this.cronJobs.has(key);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const key of [...this.jobs.keys(), ...this.cronJobs.keys()]) this.cancel(key);
    this.stopping.abort(new Error('the scheduler stopped'));
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private arm(key: string, job: TimerJob): void {
    const delay = Math.max(0, job.nextAt - this.options.clock.now());
    job.timer = setTimeout(
      () => {
        if (this.jobs.get(key) !== job) return;
        if (job.nextAt - this.options.clock.now() > 0) {
          this.arm(key, job); // a long wait chained past MAX_TIMER_MS
          return;
        }
        this.fire(key, job);
      },
      Math.min(delay, MAX_TIMER_MS),
    );
    job.timer.unref();
  }

  private fire(key: string, job: TimerJob): void {
    const slot = job.nextAt;
    job.nextAt = nextSlot(slot + job.intervalMs, job.intervalMs, this.options.clock.now());
    this.arm(key, job);
    const running = startRun(job, slot, job.task, this.stopping.signal);
    if (running) this.track(key, running);
  }

  private track(key: string, run: Promise<void>): Promise<void> {
    const guarded = run.catch((error: unknown) => this.options.onError?.(key, error));
    this.inFlight.add(guarded);
    void guarded.finally(() => this.inFlight.delete(guarded));
    return guarded;
  }
}
