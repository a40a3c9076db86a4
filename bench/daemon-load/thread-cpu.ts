// CPU time of the daemon's main thread, of its other threads and of the bare server, from /proc
// (Linux; null elsewhere): what each side of the verdict load spent, independent of how fast the
// load generator could ask.

import { readCpuSeconds, readThreadCpuSeconds } from './probes.js';

export interface CpuSeconds {
  /** The daemon's main thread: the HTTP server (and, with engineThread main, the ticks). */
  daemonMainThread: number;
  /** The daemon's other threads: the worker with engineThread worker, the checkpointer, V8's and libuv's. */
  daemonOtherThreads: number;
  bareServer: number;
}

export function readCpu(daemonPid: number, barePid: number): CpuSeconds | null {
  const all = readCpuSeconds(daemonPid);
  const main = readThreadCpuSeconds(daemonPid, daemonPid);
  const bare = readCpuSeconds(barePid);
  if (all === null || main === null || bare === null) return null;
  return { daemonMainThread: main, daemonOtherThreads: all - main, bareServer: bare };
}

export function cpuBetween(before: CpuSeconds, after: CpuSeconds): CpuSeconds {
  return {
    daemonMainThread: after.daemonMainThread - before.daemonMainThread,
    daemonOtherThreads: after.daemonOtherThreads - before.daemonOtherThreads,
    bareServer: after.bareServer - before.bareServer,
  };
}

export function addCpu(a: CpuSeconds, b: CpuSeconds): CpuSeconds {
  return {
    daemonMainThread: a.daemonMainThread + b.daemonMainThread,
    daemonOtherThreads: a.daemonOtherThreads + b.daemonOtherThreads,
    bareServer: a.bareServer + b.bareServer,
  };
}
