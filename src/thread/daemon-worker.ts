// The daemon's worker thread (server.engineThread: worker): the whole daemon of src/app.ts but its
// HTTP server — scheduler, sources, judging, store writes, adapter calls — so ticks never hold up
// a poll. The HTTP thread (threaded-app.ts) calls its services through src/thread/rpc.ts and keeps
// the verdict cache, told of every write of an analysis by a notice.

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
  const verdictWrites: VerdictWrites = {
    invalidate: (id, version) => postNotice(port, VERDICT_WRITTEN, { id, version }),
    forget: (id) => postNotice(port, VERDICT_FORGOTTEN, { id }),
  };
  const lifecycle = {
    async build(): Promise<BuiltDaemon> {
      // Every line of this thread says so: the HTTP thread logs requests, this one ticks and decisions.
      core = await buildDaemonCore(config, { verdictWrites, logger: appLogger(config).child({ thread: 'daemon-worker' }) });
      return { cacheVerdicts: core.daemon.context.store.leases === undefined };
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

if (parentPort !== null) serveDaemon(parentPort, (workerData as { config: DaemonConfig }).config);
