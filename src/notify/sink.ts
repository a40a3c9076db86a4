// A notification sink: where notifications of the events it asked for are delivered.

import type { Notification, NotificationEvent } from './notification.js';
import type { PostOutcome } from './post.js';

export interface NotificationSink {
  readonly name: string;
  readonly type: string;
  readonly events: readonly NotificationEvent[];
  /** One attempt of `notification`, sent as `event` (one of this sink's events); never throws. */
  deliver(notification: Notification, event: NotificationEvent, signal: AbortSignal): Promise<PostOutcome>;
}

export interface SinkDeps {
  /** Epoch ms, for signature timestamps. */
  now: () => number;
}

/** The event under which a sink receives a notification (and its metrics count it), or null. */
export function eventFor(sink: Pick<NotificationSink, 'events'>, notification: Notification): NotificationEvent | null {
  for (let index = notification.events.length - 1; index >= 0; index -= 1) {
    const event = notification.events[index] as NotificationEvent;
    if (sink.events.includes(event)) return event;
  }
  return null;
}
