// A tiny concurrency limiter: at most `limit` tasks in flight, the rest wait in order. When a
// waiting task's signal aborts, every task waiting with that signal leaves the queue at once and
// rejects with the signal's reason: stopping the daemon abandons queued queries instead of running
// them. One listener per signal, not per task: tens of thousands of queued queries share the
// scheduler's signal, and removing a listener from an EventTarget is linear in its listeners.

export type Limiter = <T>(task: () => Promise<T>, signal?: AbortSignal) => Promise<T>;

interface Waiting {
  resume: () => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  done: boolean;
}

export function createLimiter(limit: number): Limiter {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`concurrency limit must be a positive integer, got ${limit}`);
  let active = 0;
  let waiting: Waiting[] = [];
  const watched = new WeakSet<AbortSignal>();
  const release = (): void => {
    active -= 1;
    for (let next = waiting.shift(); next !== undefined; next = waiting.shift()) {
      if (next.done) continue;
      next.done = true;
      next.resume();
      return;
    }
  };
  const abandon = (signal: AbortSignal): void => {
    const kept: Waiting[] = [];
    for (const entry of waiting) {
      if (entry.signal !== signal || entry.done) {
        if (!entry.done) kept.push(entry);
        continue;
      }
      entry.done = true;
      entry.reject(signal.reason);
    }
    waiting = kept;
  };
  const slot = (signal: AbortSignal | undefined): Promise<void> =>
    new Promise<void>((resume, reject) => {
      waiting.push({ resume, reject, signal, done: false });
      if (signal !== undefined && !watched.has(signal)) {
        watched.add(signal);
        signal.addEventListener('abort', () => abandon(signal), { once: true });
      }
    });
  return async <T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> => {
    signal?.throwIfAborted();
    if (active >= limit) await slot(signal);
    active += 1;
    try {
      return await task();
    } finally {
      release();
    }
  };
}
