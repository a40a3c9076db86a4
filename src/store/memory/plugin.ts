// The in-memory store plug-in: `store.type: memory`, for tests and demos (nothing survives a restart).

import { z } from 'zod';
import { createMemoryStore } from '../memory.js';
import { retention, type StorePlugin } from '../plugin.js';

const configSchema = z.strictObject({ type: z.literal('memory'), retention });

export interface MemoryStoreConfig {
  type: 'memory';
}

export const memoryStorePlugin: StorePlugin<z.output<typeof configSchema>, MemoryStoreConfig> = {
  type: 'memory',
  configSchema,
  secretFields: [],
  resolve: () => ({ type: 'memory' }),
  create: (_config, deps) => createMemoryStore({ now: deps.now }),
};
