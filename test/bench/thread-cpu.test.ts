import { describe, expect, it } from 'vitest';
import { addCpu, cpuBetween, readCpu } from '../../bench/daemon-load/thread-cpu.js';

function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // Burn CPU on this (the main) thread.
  }
}

describe.runIf(process.platform === 'linux')('CPU per thread from /proc', () => {
  it('counts this process’ main thread spinning as main-thread CPU, not as other threads’', () => {
    const before = readCpu(process.pid, process.pid);
    spin(300);
    const after = readCpu(process.pid, process.pid);
    if (before === null || after === null) throw new Error('/proc could not be read');
    const spent = cpuBetween(before, after);
    expect(spent.daemonMainThread).toBeGreaterThanOrEqual(0.2);
    expect(spent.daemonOtherThreads).toBeLessThan(0.1);
    // The "bare server" here is this process too: all its threads.
    expect(spent.bareServer).toBeGreaterThanOrEqual(spent.daemonMainThread - 0.02);
  });

  it('is null for a process that does not exist', () => {
    expect(readCpu(2 ** 22 + 12_345, process.pid)).toBeNull();
  });

  it('adds readings field by field', () => {
    expect(addCpu({ daemonMainThread: 1, daemonOtherThreads: 2, bareServer: 3 }, { daemonMainThread: 0.5, daemonOtherThreads: 0.25, bareServer: 1 })).toEqual({
      daemonMainThread: 1.5,
      daemonOtherThreads: 2.25,
      bareServer: 4,
    });
  });
});
