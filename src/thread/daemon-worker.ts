// The daemon's worker thread (server.engineThread: worker): the whole daemon of src/app.ts but its
// HTTP server — scheduler, sources, judging, store writes, adapter calls — so ticks never hold up
// a poll. The HTTP thread (threaded-app.ts) calls its services through src/thread/rpc.ts and keeps
// the verdict cache, told of every write of an analysis by a notice.

import { getPriority, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { DomainError } from '../analysis/errors.js';
import { appLogger, buildDaemonCore, type DaemonCore } from '../app.js';
import type { DaemonConfig } from '../config/schema.js';
import type { VerdictWrites } from '../daemon/verdict-cache.js';
import { renderMetrics } from '../telemetry/metrics.js';
import { VERDICT_FORGOTTEN, VERDICT_WRITTEN } from './remote-services.js';
import { postNotice, serveRpc, type MessagePortLike } from './rpc.js';

/** What the HTTP thread learns when the daemon is built. */
export interface BuiltDaemon {
  /** False when replicas share the store (their writes are not seen here): no verdict cache. */
  cacheVerdicts: boolean;
}

function serveDaemon(port: MessagePortLike, config: DaemonConfig): void {
  let core: DaemonCore | undefined;
  const built = (): DaemonCore => {
    if (core === undefined) throw new DomainError('store-unavailable', 'the daemon is starting; try again');
    return core;
  };
  // Whether the HTTP thread keeps a verdict cache is known once the store is open: until then, and
  // for good with replicas, no notice is posted for nobody to read.
  let notifying = false;
  const verdictWrites: VerdictWrites = {
    invalidate: (id, version) => {
      if (notifying) postNotice(port, VERDICT_WRITTEN, { id, version });
    },
    forget: (id) => {
      if (notifying) postNotice(port, VERDICT_FORGOTTEN, { id });
    },
  };
  const lifecycle = {
    async build(): Promise<BuiltDaemon> {
      // Every line of this thread says so: the HTTP thread logs requests, this one ticks and decisions.
      core = await buildDaemonCore(config, { verdictWrites, logger: appLogger(config).child({ thread: 'daemon-worker' }) });
      notifying = core.daemon.context.store.leases === undefined;
      return { cacheVerdicts: notifying };
    },
    start: () => built().start(),
    metrics: () => renderMetrics(built().registry),
    stop: () => built().stop(),
    release: () => built().release(),
  };
  serveRpc(port, (name) => {
    if (name === 'lifecycle') return lifecycle;
    const daemon = core?.daemon;
    if (daemon === undefined) return undefined;
    if (name === 'service') return daemon.service;
    if (name === 'control') return daemon.control;
    if (name === 'gates') return daemon.gates;
    if (name === 'releases') return daemon.releases;
    return undefined;
  });
}

/**
 * Niceness of this thread above the HTTP thread's. When both want more CPU than there is, polls go
 * first and ticks take the rest (at +5 a fully loaded HTTP thread still leaves this one ≈ a quarter
 * of its share under Linux's scheduler); with spare CPU it changes nothing. Linux applies it to the
 * calling thread only (threads it starts inherit it: the WAL checkpointer, and libuv's pool when this
 * thread starts it, which only background I/O uses); elsewhere it may apply to the process, so it is
 * only done on Linux. Measured: no change of the verdict route's share at 10 000 (docs/daemon-load.md).
 */
export const DAEMON_THREAD_NICENESS = 5;

function yieldToHttpThread(): void {
  if (process.platform !== 'linux') return;
  try {
    setPriority(0, Math.min(19, getPriority(0) + DAEMON_THREAD_NICENESS));
  } catch {
    // Not allowed here (a sandbox): the thread keeps the process' priority.
  }
}

if (parentPort !== null) {
  yieldToHttpThread();
  serveDaemon(parentPort, (workerData as { config: DaemonConfig }).config);
}
