// Exponential backoff with jitter between attempts of an adapter call.

export const BACKOFF_BASE_MS = 500;
export const BACKOFF_CAP_MS = 10_000;

/**
 * Delay before retry number `retry` (1 = the first retry): the exponential step
 * min(cap, base·2^(retry-1)) with "equal jitter" — half fixed, half random. Unlike full jitter,
 * successive delays never shrink until the cap, while receivers hit by many canaryd retries at
 * once still see them spread out.
 */
export function backoffDelayMs(retry: number, random: () => number = Math.random): number {
  const step = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, retry - 1));
  // floor with random() < 1 keeps retry n's range [step/2, step) below retry n+1's.
  return Math.floor(step / 2 + random() * (step / 2));
}
