// The serialized verdict of each analysis, per analysis version: a poll answers the cached body
// instead of reading and parsing the state row (3 KB of JSON with the full verdict) each time.
// Every write of an analysis through the daemon's store invalidates its entry (observeWrites), and
// a read that started before a write can never put its older body back (versions only grow).

import type { Store } from '../store/types.js';

interface Entry {
  version: number;
  body: string | null;
}

export class VerdictCache {
  private readonly entries = new Map<string, Entry>();

  get(id: string): string | undefined {
    return this.entries.get(id)?.body ?? undefined;
  }

  /** Keeps `body` as the verdict of `version`, unless a newer version was written meanwhile. */
  put(id: string, version: number, body: string): void {
    const entry = this.entries.get(id);
    if (entry !== undefined && entry.version > version) return;
    this.entries.set(id, { version, body });
  }

  /** Version `version` is being (or was) written: no body of an older version is served or kept. */
  invalidate(id: string, version: number): void {
    const entry = this.entries.get(id);
    if (entry === undefined || entry.version <= version) this.entries.set(id, { version, body: null });
  }

  forget(id: string): void {
    this.entries.delete(id);
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * The body `serialize` makes of the verdict `read` returns, kept in `cache` for the version it was read
 * at (no cache: serialized every time). The daemon's service and the HTTP thread's proxy of it share it.
 */
export async function cachedVerdictBody<View>(
  cache: VerdictCache | undefined,
  id: string,
  serialize: (view: View) => string,
  read: (id: string) => Promise<{ view: View; version: number }>,
): Promise<string> {
  const cached = cache?.get(id);
  if (cached !== undefined) return cached;
  const { view, version } = await read(id);
  const body = serialize(view);
  cache?.put(id, version, body);
  return body;
}

/** What observeWrites tells: a VerdictCache, or a cache kept elsewhere (the HTTP thread's, src/thread). */
export type VerdictWrites = Pick<VerdictCache, 'invalidate' | 'forget'>;

export function allOf(watchers: readonly VerdictWrites[]): VerdictWrites {
  return {
    invalidate: (id, version) => {
      for (const watcher of watchers) watcher.invalidate(id, version);
    },
    forget: (id) => {
      for (const watcher of watchers) watcher.forget(id);
    },
  };
}

/**
 * The store, with the cache told of every write: before it (a read in flight is older) and after it.
 * A Proxy, so every other method (and any a store adds) passes through unchanged.
 */
export function observeWrites(store: Store, cache: VerdictWrites): Store {
  const overrides: Partial<Store> = {
    async createAnalysis(record, events, calls) {
      cache.invalidate(record.id, record.version);
      await store.createAnalysis(record, events, calls);
    },
    async commitTransition(record, events, calls, options) {
      // Also when the write fails: then polls read the store until the next write (slower, never stale).
      cache.invalidate(record.id, record.version);
      await store.commitTransition(record, events, calls, options);
      cache.invalidate(record.id, record.version);
    },
    async pruneEnded(olderThan, options) {
      const ids = await store.pruneEnded(olderThan, options);
      for (const id of ids) cache.forget(id);
      return ids;
    },
  };
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, property) {
      if (property in overrides) return overrides[property as keyof Store];
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      let method = bound.get(property);
      if (method === undefined) {
        method = (value as (...args: unknown[]) => unknown).bind(target);
        bound.set(property, method);
      }
      return method;
    },
  });
}
