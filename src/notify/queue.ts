// The delivery queue: notifications are handed over after the store commit and delivered in the
// background, one lane per sink (a slow or dead sink delays nobody else), each lane bounded (the
// oldest is dropped, and counted, when it is full), every notification retried with the adapters'
// backoff. publish() never waits and never throws: a tick is never held up by a sink.

import { backoffDelayMs } from '../adapters/backoff.js';
import type { NotificationMetrics } from './metrics.js';
import type { Notification, NotificationEvent } from './notification.js';
import { eventFor } from './sink.js';
import type { DeliveringSink } from './sink-plugin.js';

/** Waits ms, or less when the signal aborts (then it resolves too). */
export type AbortableSleep = (ms: number, signal: AbortSignal) => Promise<void>;

export const realAbortableSleep: AbortableSleep = (ms, signal) =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

export interface DeliveryLog {
  warn(fields: Record<string, unknown>, message: string): void;
  debug(fields: Record<string, unknown>, message: string): void;
}

export interface DeliveryQueueOptions {
  sinks: readonly DeliveringSink[];
  /** Notifications waiting per sink. */
  capacity: number;
  metrics: NotificationMetrics;
  log: DeliveryLog;
  sleep?: AbortableSleep;
  random?: () => number;
}

interface Queued {
  notification: Notification;
  event: NotificationEvent;
}

class SinkLane {
  readonly waiting: Queued[] = [];
  running: Promise<void> | null = null;

  constructor(readonly sink: DeliveringSink) {}
}

export class DeliveryQueue {
  private readonly lanes: SinkLane[];
  private readonly stopping = new AbortController();
  private readonly sleep: AbortableSleep;
  private readonly random: () => number;

  constructor(private readonly options: DeliveryQueueOptions) {
    if (!(Number.isInteger(options.capacity) && options.capacity >= 1)) throw new Error('the delivery queue needs a capacity ≥ 1');
    this.lanes = options.sinks.map((sink) => new SinkLane(sink));
    this.sleep = options.sleep ?? realAbortableSleep;
    this.random = options.random ?? Math.random;
  }

  /** Queues each notification for every sink that asked for one of its events. */
  publish(notifications: readonly Notification[]): void {
    if (this.stopping.signal.aborted) return;
    for (const notification of notifications) {
      for (const lane of this.lanes) {
        const event = eventFor(lane.sink, notification);
        if (event === null) continue;
        if (lane.waiting.length >= this.options.capacity) {
          const dropped = lane.waiting.shift() as Queued;
          this.options.metrics.dropped(lane.sink.name, dropped.event);
          this.options.log.warn(
            { sink: lane.sink.name, event: dropped.event, key: dropped.notification.key },
            'notification queue full: dropped the oldest notification',
          );
        }
        lane.waiting.push({ notification, event });
        lane.running ??= this.drain(lane);
      }
    }
  }

  /** Waiting notifications per sink (tests, diagnostics). */
  backlog(): Record<string, number> {
    return Object.fromEntries(this.lanes.map((lane) => [lane.sink.name, lane.waiting.length]));
  }

  /** Resolves when every lane is empty. */
  async idle(): Promise<void> {
    while (this.lanes.some((lane) => lane.running !== null)) {
      await Promise.all(this.lanes.map((lane) => lane.running));
    }
  }

  /** Stops delivering: attempts in flight are aborted, waiting notifications are left unsent. */
  async close(): Promise<void> {
    this.stopping.abort();
    await Promise.all(this.lanes.map((lane) => lane.running));
  }

  private async drain(lane: SinkLane): Promise<void> {
    try {
      for (let next = lane.waiting.shift(); next !== undefined && !this.stopping.signal.aborted; next = lane.waiting.shift()) {
        await this.deliver(lane.sink, next);
      }
    } finally {
      lane.running = null;
    }
  }

  private async deliver(sink: DeliveringSink, { notification, event }: Queued): Promise<void> {
    const signal = this.stopping.signal;
    let lastError = '';
    for (let attempt = 1; attempt <= sink.retries + 1; attempt += 1) {
      if (attempt > 1) {
        this.options.metrics.retried(sink.name, event);
        await this.sleep(backoffDelayMs(attempt - 1, this.random), signal);
      }
      if (signal.aborted) return;
      const outcome = await sink.deliver(notification, event, signal);
      if (outcome.ok) {
        this.options.metrics.delivered(sink.name, event);
        this.options.log.debug({ sink: sink.name, event, key: notification.key, attempts: attempt }, 'notification delivered');
        return;
      }
      if (signal.aborted) return;
      lastError = outcome.error;
    }
    this.options.metrics.failed(sink.name, event);
    this.options.log.warn(
      { sink: sink.name, type: sink.type, event, key: notification.key, attempts: sink.retries + 1, error: lastError },
      'notification failed after its retries',
    );
  }
}
