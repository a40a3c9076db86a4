// Notifications as the composition root wires them: sinks from the config, the delivery queue,
// the metrics, and the commit listener that turns committed events into notifications.

import type { Registry } from 'prom-client';
import type { Logger } from '../telemetry/logger.js';
import { createNotificationMetrics } from './metrics.js';
import { notificationsOf, type CommittedEvents } from './notification.js';
import { DeliveryQueue, type AbortableSleep } from './queue.js';
import { createSinks, type NotificationsConfig } from './registry.js';

export interface Notifier {
  /** The commit listener (src/notify/commit-hook.ts): queues and returns at once. */
  committed(committed: CommittedEvents): void;
  /** Resolves when nothing is waiting or in flight (tests). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export interface NotifierDeps {
  registry: Registry;
  logger: Logger;
  now: () => number;
  /** The daemon's own address, for report links when publicUrl is not configured. */
  listenUrl: string;
  sleep?: AbortableSleep;
}

export function createNotifier(config: NotificationsConfig, deps: NotifierDeps): Notifier {
  const logger = deps.logger.child({ component: 'notifications' });
  const queue = new DeliveryQueue({
    sinks: createSinks(config.sinks, { now: deps.now }),
    capacity: config.queueSize,
    metrics: createNotificationMetrics(deps.registry),
    log: { warn: (fields, message) => logger.warn(fields, message), debug: (fields, message) => logger.debug(fields, message) },
    ...(deps.sleep === undefined ? {} : { sleep: deps.sleep }),
  });
  const reportBase = config.publicUrl ?? deps.listenUrl;
  return {
    committed: (committed) => queue.publish(notificationsOf(committed, reportBase)),
    idle: () => queue.idle(),
    close: () => queue.close(),
  };
}
