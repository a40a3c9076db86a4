// The sink plug-in contract (the shared ExtensionPlugin of src/config/plugin.ts) and the fields
// every sink entry has. A new sink type: a file exporting a SinkPlugin and one line in registry.ts.

import { z } from 'zod';
import type { ExtensionPlugin } from '../config/plugin.js';
import { NOTIFICATION_EVENTS } from './notification.js';
import type { NotificationSink, SinkDeps } from './sink.js';

export const sinkName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, { error: 'must start with a letter or digit and contain only letters, digits, _ and -' });

export const eventsField = z.array(z.enum(NOTIFICATION_EVENTS)).min(1);

/** A sink as the delivery queue runs it: one attempt per deliver(), retried `retries` times. */
export interface DeliveringSink extends NotificationSink {
  readonly retries: number;
}

/** Every resolved sink config has these. */
export interface SinkConfigBase {
  type: string;
  name: string;
}

export type SinkPlugin<Raw, Config extends SinkConfigBase> = ExtensionPlugin<Raw, Config, SinkDeps, DeliveringSink>;
