// The notification counters, on the daemon's prom-client Registry (docs/metrics.md lists them).
// Labels name the sink and the event, never a URL.

import { Counter, type Registry } from 'prom-client';

export interface NotificationMetrics {
  delivered(sink: string, event: string): void;
  /** A notification given up after its retries. */
  failed(sink: string, event: string): void;
  /** An attempt that failed and will be retried. */
  retried(sink: string, event: string): void;
  /** The oldest waiting notification dropped because the sink's queue was full. */
  dropped(sink: string, event: string): void;
}

export function createNotificationMetrics(registry: Registry): NotificationMetrics {
  const registers = [registry];
  const labelNames = ['sink', 'event'] as const;
  const delivered = new Counter({
    name: 'canaryd_notifications_delivered_total',
    help: 'Notifications a sink accepted (2xx), by sink and event.',
    labelNames,
    registers,
  });
  const failed = new Counter({
    name: 'canaryd_notifications_failed_total',
    help: 'Notifications given up after every retry failed, by sink and event.',
    labelNames,
    registers,
  });
  const retried = new Counter({
    name: 'canaryd_notification_retries_total',
    help: 'Failed notification attempts that were retried, by sink and event.',
    labelNames,
    registers,
  });
  const dropped = new Counter({
    name: 'canaryd_notifications_dropped_total',
    help: 'Notifications dropped unsent because their sink had a full queue (the oldest goes first), by sink and event.',
    labelNames,
    registers,
  });
  return {
    delivered: (sink, event) => delivered.inc({ sink, event }),
    failed: (sink, event) => failed.inc({ sink, event }),
    retried: (sink, event) => retried.inc({ sink, event }),
    dropped: (sink, event) => dropped.inc({ sink, event }),
  };
}
