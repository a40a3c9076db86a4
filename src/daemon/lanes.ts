// One lane per analysis: its ticks and its adapter calls run one after the other, in the order they
// were queued. So a tick never judges while a call of an earlier decision is still being made, and
// a deployer receives an analysis' calls in decision order. Different analyses run concurrently.

export class SerialLanes {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  busy(key: string): boolean {
    return this.tails.has(key);
  }

  /** Waits until every lane is empty, including work queued while waiting. */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
  }
}
