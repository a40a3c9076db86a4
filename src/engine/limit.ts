// A tiny concurrency limiter: at most `limit` tasks in flight, the rest wait in order. A waiting
// task whose signal aborts leaves the queue at once and rejects with the signal's reason: stopping
// the daemon abandons queued queries instead of running them.

export type Limiter = <T>(task: () => Promise<T>, signal?: AbortSignal) => Promise<T>;

export function createLimiter(limit: number): Limiter {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`concurrency limit must be a positive integer, got ${limit}`);
  let active = 0;
  const waiting: Array<() => void> = [];
  const release = (): void => {
    active -= 1;
    const next = waiting.shift();
    if (next) next();
  };
  const slot = (signal: AbortSignal | undefined): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const take = (): void => {
        signal?.removeEventListener('abort', leave);
        resolve();
      };
      const leave = (): void => {
        const index = waiting.indexOf(take);
        if (index >= 0) waiting.splice(index, 1);
        reject(signal?.reason);
      };
      waiting.push(take);
      signal?.addEventListener('abort', leave, { once: true });
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
