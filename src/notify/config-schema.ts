// `notifications:` in the daemon config: the sinks (each a registered SinkPlugin's strict schema,
// told apart by `type`), the per-sink queue bound and the address report links use.

import { z } from 'zod';
import { httpUrl } from '../config/fields.js';
import type { Path, PathIssue } from '../template/yaml-source.js';
import { formatPath } from '../template/yaml-source.js';
import { isRecord } from '../template/raw-data.js';
import { sinkRegistry } from './registry.js';
import { slackSinkSchema } from './slack.js';
import { webhookSinkSchema } from './webhook.js';

export const DEFAULT_NOTIFICATION_QUEUE_SIZE = 1_000;

export const notificationsSchema = z.strictObject({
  sinks: z.array(z.discriminatedUnion('type', [slackSinkSchema, webhookSinkSchema])).default([]),
  queueSize: z.number().int().min(1).max(1_000_000).default(DEFAULT_NOTIFICATION_QUEUE_SIZE),
  publicUrl: httpUrl.optional(),
});

/** What zod cannot say: duplicate sink names, and each sink plug-in's own checks. */
export function checkNotifications(data: unknown): PathIssue[] {
  if (!isRecord(data) || !isRecord(data.notifications) || !Array.isArray(data.notifications.sinks)) return [];
  const issues: PathIssue[] = [];
  const seen = new Set<string>();
  data.notifications.sinks.forEach((sink: unknown, index: number) => {
    if (!isRecord(sink)) return;
    const path: Path = ['notifications', 'sinks', index];
    if (typeof sink.name === 'string') {
      if (seen.has(sink.name))
        issues.push({ path: [...path, 'name'], at: 'value', message: `${formatPath([...path, 'name'])}: another sink is already named "${sink.name}"` });
      seen.add(sink.name);
    }
    const plugin = typeof sink.type === 'string' ? sinkRegistry.get(sink.type) : undefined;
    if (plugin?.check !== undefined) issues.push(...plugin.check(sink, path));
  });
  return issues;
}
