// Fan-in: analyses of one template for the same service render the same query, and when their
// evaluation times agree they would ask Prometheus the same question many times per tick. Here a
// question (API path + exact parameters) in flight is asked once and its answer handed to every
// caller; an answer that is not an error is kept for `keepMs`, for callers that ask a little later
// (queued behind the query limit) about the same evaluation time. Errors are shared only while in
// flight, so the next tick asks again.
//
// Each caller may abandon its wait with its own signal; the request itself is aborted only when
// every caller waiting for it has abandoned it.

import type { Measurement } from '../../analysis/types.js';

export interface FanInOptions {
  /** How long a successful answer is reused for the same question. */
  keepMs: number;
  /** Monotonic milliseconds (injected for tests). */
  now: () => number;
  /** Answers kept at most; the oldest go first. */
  maxKept?: number;
}

export interface FanInCounts {
  /** Requests actually sent. */
  sent: number;
  /** Questions answered from a request in flight or from a kept answer. */
  shared: number;
}

interface InFlight {
  answer: Promise<Measurement>;
  controller: AbortController;
  waiting: number;
}

const DEFAULT_MAX_KEPT = 50_000;

export type Ask = (signal: AbortSignal) => Promise<Measurement>;

export class FanIn {
  private readonly inFlight = new Map<string, InFlight>();
  private readonly kept = new Map<string, { measurement: Measurement; until: number }>();
  readonly counts: FanInCounts = { sent: 0, shared: 0 };

  constructor(
    private readonly options: FanInOptions,
    private readonly abandoned: () => Measurement,
  ) {}

  /** The answer to `key`, asking with `ask` only when nobody else is or recently did. */
  share(key: string, ask: Ask, signal?: AbortSignal): Promise<Measurement> {
    if (signal?.aborted) return Promise.resolve(this.abandoned());
    const kept = this.kept.get(key);
    if (kept !== undefined) {
      if (kept.until > this.options.now()) {
        this.counts.shared += 1;
        return Promise.resolve(kept.measurement);
      }
      this.kept.delete(key);
    }
    let flight = this.inFlight.get(key);
    if (flight === undefined) {
      flight = this.send(key, ask);
    } else {
      this.counts.shared += 1;
    }
    return this.wait(flight, signal);
  }

  private send(key: string, ask: Ask): InFlight {
    const controller = new AbortController();
    this.counts.sent += 1;
    const answer = ask(controller.signal).then((measurement) => {
      this.inFlight.delete(key);
      if (measurement.kind !== 'error' && !controller.signal.aborted) this.keep(key, measurement);
      return measurement;
    });
    const flight: InFlight = { answer, controller, waiting: 0 };
    this.inFlight.set(key, flight);
    return flight;
  }

  private wait(flight: InFlight, signal: AbortSignal | undefined): Promise<Measurement> {
    flight.waiting += 1;
    if (signal === undefined) return flight.answer;
    return new Promise<Measurement>((resolve) => {
      const onAbort = (): void => {
        flight.waiting -= 1;
        if (flight.waiting === 0) flight.controller.abort(signal.reason);
        resolve(this.abandoned());
      };
      signal.addEventListener('abort', onAbort, { once: true });
      void flight.answer.then((measurement) => {
        signal.removeEventListener('abort', onAbort);
        resolve(measurement);
      });
    });
  }

  private keep(key: string, measurement: Measurement): void {
    const now = this.options.now();
    this.kept.set(key, { measurement, until: now + this.options.keepMs });
    const max = this.options.maxKept ?? DEFAULT_MAX_KEPT;
    if (this.kept.size <= max) return;
    for (const [other, entry] of this.kept) if (entry.until <= now) this.kept.delete(other);
    // Still too many: the oldest first (a Map iterates in insertion order).
    for (const other of this.kept.keys()) {
      if (this.kept.size <= max) break;
      this.kept.delete(other);
    }
  }
}
