// Bounded polling: the e2e tests wait for real processes by asking again until a deadline, never
// by sleeping a fixed time.

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Appended to the timeout error: what was seen last, to make a failure readable. */
  lastSeen?: () => string;
}

/**
 * Calls probe until it returns something other than undefined, and returns that. A probe that
 * throws stops the wait at once (use it for "this can no longer happen").
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, options: WaitOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 200;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) {
      const seen = options.lastSeen ? `; last seen: ${options.lastSeen()}` : '';
      throw new Error(`timed out after ${options.timeoutMs}ms waiting for ${what}${seen}`);
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}
