// `canaryd serve` with server.engineThread: worker — the HTTP server in this thread, the daemon
// (ticks, sources, store writes, adapter calls) in a worker thread (daemon-worker.ts), so a burst of
// ticks never holds up the verdict polls of deployment controllers.

import { Worker } from 'node:worker_threads';
import { appLogger, buildDaemonServer, type ServingApp } from '../app.js';
import type { DaemonConfig } from '../config/schema.js';
import { VerdictCache } from '../daemon/verdict-cache.js';
import type { MetricsExposition } from '../http/routes/operations.js';
import type { BuiltDaemon } from './daemon-worker.js';
import { applyVerdictNotice, remoteServices } from './remote-services.js';
import { RpcClient } from './rpc.js';

/**
 * The most the worker's young generation may grow to (V8 grows it only as the allocation rate asks).
 * Ticks at thousands of analyses allocate fast, and with V8's default (≈ 48 MB here) objects that die a
 * tick later were copied and promoted: scavenges then took a share of the loop (docs/daemon-load.md,
 * eleventh session). The same as node's --max-semi-space-size=64 for the main thread.
 */
export const DAEMON_YOUNG_GENERATION_MB = 192;

export interface ThreadedAppOptions {
  /** The worker died (an uncaught error in the daemon): the process should exit; recovery on restart resumes. */
  onCrash: (error: Error) => void;
}

/**
 * Fails every call in flight and later once the worker dies (an error or an exit), and tells `onCrash`
 * once — unless end() was called first (a stop or a failed start terminates the worker on purpose).
 */
export function superviseWorker(worker: Worker, client: Pick<RpcClient, 'fail'>, onCrash: (error: Error) => void): { end(): void } {
  let ending = false;
  const crashed = (error: Error): void => {
    client.fail(error);
    if (ending) return;
    ending = true;
    onCrash(error);
  };
  worker.on('error', crashed);
  worker.on('exit', (code) => crashed(new Error(`the daemon's worker thread exited (code ${code})`)));
  return {
    end() {
      ending = true;
    },
  };
}

/** Same errors as buildApp (StartupProblems, 'store-unavailable'), thrown by the worker and rebuilt here. */
export async function buildThreadedApp(config: DaemonConfig, options: ThreadedAppOptions): Promise<ServingApp> {
  const logger = appLogger(config);
  const worker = new Worker(new URL('./daemon-worker.js', import.meta.url), {
    workerData: { config },
    resourceLimits: { maxYoungGenerationSizeMb: DAEMON_YOUNG_GENERATION_MB },
  });
  const verdicts = new VerdictCache();
  let caching = false;
  const client = new RpcClient(worker, (notice) => {
    if (caching) applyVerdictNotice(verdicts, notice);
  });
  const supervision = superviseWorker(worker, client, options.onCrash);

  try {
    const built = (await client.call('lifecycle', 'build', [])) as BuiltDaemon;
    caching = built.cacheVerdicts;
  } catch (error) {
    supervision.end();
    await worker.terminate();
    throw error;
  }
  const metrics: MetricsExposition = async () => (await client.call('lifecycle', 'metrics', [])) as { contentType: string; body: string };
  const server = await buildDaemonServer(config, logger, remoteServices(client, caching ? verdicts : undefined), metrics).catch(async (error: unknown) => {
    supervision.end();
    await client.call('lifecycle', 'release', []).catch(() => undefined);
    await worker.terminate();
    throw error;
  });

  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    try {
      await client.call('lifecycle', 'stop', []);
      await server.close();
      await client.call('lifecycle', 'release', []);
    } finally {
      supervision.end();
      await worker.terminate();
    }
  };
  return {
    server,
    logger,
    async start() {
      await client.call('lifecycle', 'start', []);
    },
    close() {
      closing ??= close();
      return closing;
    },
  };
}
