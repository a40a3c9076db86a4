// Time for the daemon: injected everywhere so tests drive it with a manual clock instead of sleeps.

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to (tests, simulations). */
export class ManualClock implements Clock {
  constructor(private current: number) {}

  now(): number {
    return this.current;
  }

  set(ms: number): void {
    if (ms < this.current) throw new RangeError(`a manual clock does not go back (from ${this.current} to ${ms})`);
    this.current = ms;
  }

  advance(ms: number): number {
    this.set(this.current + ms);
    return this.current;
  }
}

export function isoAt(ms: number): string {
  return new Date(ms).toISOString();
}
