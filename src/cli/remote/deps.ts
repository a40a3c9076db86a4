// What the remote commands take from the process: the environment, a clock and a sleeper (for
// --watch), and how they reach the daemon.

import { createDaemonClient, type DaemonClient } from './client.js';
import { type DaemonFlags, resolveConnection } from './connection.js';

export interface RemoteDeps {
  client(flags: DaemonFlags): Promise<DaemonClient>;
  now(): number;
  sleep(ms: number): Promise<void>;
}

export function processDeps(env: NodeJS.ProcessEnv = process.env): RemoteDeps {
  return {
    client: async (flags) => createDaemonClient(await resolveConnection(flags, env)),
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
}
