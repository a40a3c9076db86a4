// The post-commit hook: a Store that, once createAnalysis, commitTransition or saveFreeze has
// committed, hands the committed record and events to a listener. The listener runs after the
// write resolved and its failure never fails the write. Every other method is the store's own.

import type { Store } from '../store/types.js';
import type { CommittedEvents } from './notification.js';

export type CommitListener = (committed: CommittedEvents) => void;

export function withCommitHook(store: Store, listener: CommitListener, onListenerError: (error: unknown) => void): Store {
  const tell = (committed: CommittedEvents): void => {
    try {
      listener(committed);
    } catch (error) {
      onListenerError(error);
    }
  };
  const hooked: Partial<Store> = {
    async createAnalysis(record, events, calls) {
      await store.createAnalysis(record, events, calls);
      tell({ record, events });
    },
    async commitTransition(record, events, calls, options) {
      await store.commitTransition(record, events, calls, options);
      tell({ record, events });
    },
    async saveFreeze(freeze, event) {
      await store.saveFreeze(freeze, event);
      tell({ record: null, events: [event] });
    },
  };
  // A Proxy rather than a copy of every method, so methods added to Store later pass through.
  return new Proxy(store, {
    get(target, property, receiver) {
      if (typeof property === 'string' && Object.hasOwn(hooked, property)) return hooked[property as keyof Store];
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
