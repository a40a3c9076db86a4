import { describe, expect, it } from 'vitest';
import { BACKOFF_BASE_MS } from '../../../src/adapters/backoff.js';
import type { NotificationMetrics } from '../../../src/notify/metrics.js';
import type { Notification, NotificationEvent } from '../../../src/notify/notification.js';
import type { PostOutcome } from '../../../src/notify/post.js';
import { DeliveryQueue } from '../../../src/notify/queue.js';
import type { DeliveringSink } from '../../../src/notify/sink-plugin.js';

function notification(key: string, events: NotificationEvent[] = ['decision', 'abort']): Notification {
  return {
    key,
    events,
    source: 'decision',
    at: 't',
    analysis: null,
    title: key,
    verdict: 'abort',
    rule: null,
    reason: '',
    evidenceHash: null,
    link: null,
    payload: {},
  };
}

class CountingMetrics implements NotificationMetrics {
  readonly counts: Record<string, number> = {};
  private add(kind: string, sink: string, event: string): void {
    const key = `${kind}:${sink}:${event}`;
    this.counts[key] = (this.counts[key] ?? 0) + 1;
  }
  delivered = (sink: string, event: string) => this.add('delivered', sink, event);
  failed = (sink: string, event: string) => this.add('failed', sink, event);
  retried = (sink: string, event: string) => this.add('retried', sink, event);
  dropped = (sink: string, event: string) => this.add('dropped', sink, event);
}

/** A sink whose answers are scripted: each deliver() takes the next outcome (then succeeds), and can be held back. */
function scriptedSink(name: string, events: NotificationEvent[], outcomes: PostOutcome[] = [], retries = 3) {
  const received: string[] = [];
  const sentAs: NotificationEvent[] = [];
  let gate: Promise<void> = Promise.resolve();
  let open: () => void = () => undefined;
  const sink: DeliveringSink = {
    name,
    type: 'test',
    events,
    retries,
    async deliver(item, event) {
      await gate;
      received.push(item.key);
      sentAs.push(event);
      return outcomes.shift() ?? { ok: true, status: 200 };
    },
  };
  return {
    sink,
    received,
    sentAs,
    hold() {
      gate = new Promise((resolve) => (open = resolve));
    },
    release: () => open(),
  };
}

const silent = { warn: () => undefined, debug: () => undefined };

describe('DeliveryQueue', () => {
  it('delivers to each sink the notifications it asked for, counted under the most specific event', async () => {
    const oncall = scriptedSink('oncall', ['abort']);
    const audit = scriptedSink('audit', ['decision']);
    const metrics = new CountingMetrics();
    const queue = new DeliveryQueue({ sinks: [oncall.sink, audit.sink], capacity: 10, metrics, log: silent });
    queue.publish([notification('n1'), notification('n2', ['decision'])]);
    await queue.idle();
    expect(oncall.received).toEqual(['n1']);
    expect(audit.received).toEqual(['n1', 'n2']);
    expect(oncall.sentAs).toEqual(['abort']);
    expect(audit.sentAs).toEqual(['decision', 'decision']);
    expect(metrics.counts).toEqual({ 'delivered:oncall:abort': 1, 'delivered:audit:decision': 2 });
  });

  it('retries a failing attempt with the adapters backoff, then counts the delivery', async () => {
    const flaky = scriptedSink(
      'flaky',
      ['abort'],
      [
        { ok: false, error: 'answered 500' },
        { ok: false, error: 'answered 503' },
      ],
    );
    const metrics = new CountingMetrics();
    const waits: number[] = [];
    const queue = new DeliveryQueue({ sinks: [flaky.sink], capacity: 10, metrics, log: silent, random: () => 0, sleep: async (ms) => void waits.push(ms) });
    queue.publish([notification('n1')]);
    await queue.idle();
    expect(flaky.received).toEqual(['n1', 'n1', 'n1']);
    expect(waits).toEqual([BACKOFF_BASE_MS / 2, BACKOFF_BASE_MS]);
    expect(metrics.counts).toEqual({ 'retried:flaky:abort': 2, 'delivered:flaky:abort': 1 });
  });

  it('gives up after its retries, counts the failure and logs it without the payload', async () => {
    const dead = scriptedSink(
      'dead',
      ['abort'],
      Array.from({ length: 3 }, () => ({ ok: false as const, error: 'connection failed (ECONNREFUSED)' })),
      2,
    );
    const metrics = new CountingMetrics();
    const warnings: Array<Record<string, unknown>> = [];
    const queue = new DeliveryQueue({
      sinks: [dead.sink],
      capacity: 10,
      metrics,
      log: { warn: (fields) => void warnings.push(fields), debug: () => undefined },
      sleep: async () => undefined,
    });
    queue.publish([notification('n1')]);
    await queue.idle();
    expect(dead.received).toHaveLength(3);
    expect(metrics.counts).toEqual({ 'retried:dead:abort': 2, 'failed:dead:abort': 1 });
    expect(warnings).toEqual([{ sink: 'dead', type: 'test', event: 'abort', key: 'n1', attempts: 3, error: 'connection failed (ECONNREFUSED)' }]);
  });

  it('is bounded per sink: a full queue drops its oldest waiting notification and counts it; publish never waits', async () => {
    const slow = scriptedSink('slow', ['abort']);
    const fast = scriptedSink('fast', ['abort']);
    slow.hold();
    const metrics = new CountingMetrics();
    const queue = new DeliveryQueue({ sinks: [slow.sink, fast.sink], capacity: 2, metrics, log: silent });
    queue.publish([notification('n1')]); // held in flight at the slow sink
    await new Promise((resolve) => setImmediate(resolve));
    for (const key of ['n2', 'n3', 'n4']) queue.publish([notification(key)]);
    expect(queue.backlog()).toEqual({ slow: 2, fast: 2 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(fast.received).toEqual(['n1', 'n2', 'n3', 'n4']);
    slow.release();
    await queue.idle();
    expect(slow.received).toEqual(['n1', 'n3', 'n4']);
    expect(metrics.counts['dropped:slow:abort']).toBe(1);
    expect(metrics.counts['dropped:fast:abort']).toBeUndefined();
  });

  it('close() aborts what is in flight and leaves the rest unsent', async () => {
    const slow = scriptedSink('slow', ['abort']);
    let signal: AbortSignal | undefined;
    const sink: DeliveringSink = {
      ...slow.sink,
      deliver: (_item, _event, abort) => {
        signal = abort;
        return new Promise((resolve) => abort.addEventListener('abort', () => resolve({ ok: false, error: 'stopped' })));
      },
    };
    const metrics = new CountingMetrics();
    const queue = new DeliveryQueue({ sinks: [sink], capacity: 5, metrics, log: silent });
    queue.publish([notification('n1'), notification('n2')]);
    await queue.close();
    expect(signal?.aborted).toBe(true);
    expect(metrics.counts).toEqual({});
    queue.publish([notification('n3')]);
    expect(queue.backlog().slow).toBe(0);
  });
});
