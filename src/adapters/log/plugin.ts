// The log adapter plug-in: `adapters.<name>.type: log`, a dry run that records what it would ask.

import { z } from 'zod';
import { createLogAdapter } from '../log.js';
import type { AdapterPlugin } from '../plugin.js';

const configSchema = z.strictObject({ type: z.literal('log') });

export interface LogAdapterConfig {
  type: 'log';
  name: string;
}

export const logAdapterPlugin: AdapterPlugin<z.output<typeof configSchema>, LogAdapterConfig> = {
  type: 'log',
  configSchema,
  secretFields: [],
  resolve: (_raw, { name }) => ({ type: 'log', name }),
  create: (config, deps) => createLogAdapter({ name: config.name, record: deps.log }),
};
