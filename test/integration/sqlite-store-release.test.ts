// The release part of the Store contract (issue 9) on both backends.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { createMemoryStore } from '../../src/store/memory.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/types.js';
import { FIXED_NOW } from './store-contract.js';
import { runStoreReleaseContract } from './store-release-contract.js';

let folder: string;
const opened: Store[] = [];

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'canaryd-store-release-'));
});
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
  rmSync(folder, { recursive: true, force: true });
});

function openAt(path: string): Store {
  const store = openSqliteStore(path, { now: () => FIXED_NOW });
  opened.push(store);
  return store;
}

runStoreReleaseContract('memory', () => createMemoryStore({ now: () => FIXED_NOW }));
runStoreReleaseContract('sqlite', () => openAt(join(folder, 'contract.db')));
