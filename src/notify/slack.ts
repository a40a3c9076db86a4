// `notifications.sinks[].type: slack`: a Slack incoming webhook whose URL is read from `urlFile`
// (the URL is the credential: it never appears in a log, an error or a metric).

import { z } from 'zod';
import { durationMs, nonEmpty } from '../config/fields.js';
import { DomainError } from '../analysis/errors.js';
import { postJson } from './post.js';
import { eventsField, sinkName, type SinkPlugin } from './sink-plugin.js';
import { slackMessage } from './slack-message.js';

export const slackSinkSchema = z.strictObject({
  name: sinkName,
  type: z.literal('slack'),
  urlFile: nonEmpty,
  events: eventsField,
  timeout: durationMs({ positive: true }).default(5_000),
  retries: z.number().int().min(0).max(10).default(3),
});

export interface SlackSinkConfig {
  type: 'slack';
  name: string;
  events: z.output<typeof eventsField>;
  /** Read from urlFile by the config loader. */
  url: string;
  timeoutMs: number;
  retries: number;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

export const slackSinkPlugin: SinkPlugin<z.output<typeof slackSinkSchema>, SlackSinkConfig> = {
  type: 'slack',
  configSchema: slackSinkSchema,
  secretFields: [
    {
      name: 'slackUrl',
      file: ['urlFile'],
      redact: true,
      apply: (config, value) => {
        config.url = value;
      },
      value: (config) => (config.url === '' ? undefined : config.url),
    },
  ],
  resolve: (raw) => ({ type: 'slack', name: raw.name, events: raw.events, url: '', timeoutMs: raw.timeout, retries: raw.retries }),
  create: (config) => {
    if (!isHttpUrl(config.url)) {
      // The file's content is the secret: the message names the field, never the value.
      throw new DomainError(
        'invalid-config',
        `notifications sink "${config.name}": the file named by urlFile does not hold an http:// or https:// URL`,
        'urlFile',
      );
    }
    return {
      name: config.name,
      type: 'slack',
      events: config.events,
      retries: config.retries,
      deliver: (notification, _event, signal) =>
        postJson({
          url: config.url,
          body: JSON.stringify(slackMessage(notification)),
          headers: {},
          timeoutMs: config.timeoutMs,
          signal,
          secrets: [config.url],
        }),
    };
  },
};
