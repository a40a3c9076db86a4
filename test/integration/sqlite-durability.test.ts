// Which SQLite commits skip the fsync (ADR 0006): only routine ticks; the switch sets the real
// connection's synchronous mode.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { isRoutineCommit, synchronousSwitch } from '../../src/store/sqlite/durability.js';
import { makeCall } from './store-contract.js';

const tick = { type: 'tick', at: '2025-03-01T12:01:00.000Z', payload: {} };
const decision = { type: 'decision', at: '2025-03-01T12:01:00.000Z', payload: {} };

let folder: string | undefined;
afterEach(() => {
  if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
  folder = undefined;
});

describe('SQLite durability per commit', () => {
  it('a commit is routine only with tick events alone, no call recorded and none re-armed', () => {
    expect(isRoutineCommit([tick], [], [])).toBe(true);
    expect(isRoutineCommit([tick, decision], [], [])).toBe(false);
    expect(isRoutineCommit([tick], [makeCall('a', 1, 'set-weight')], [])).toBe(false);
    expect(isRoutineCommit([tick], [], [7])).toBe(false);
    expect(isRoutineCommit([{ ...tick, type: 'manual-action' }], [], [])).toBe(false);
  });

  it('switches the connection between NORMAL (1) and FULL (2), starting from FULL', () => {
    folder = mkdtempSync(join(tmpdir(), 'canaryd-durability-'));
    const db = new Database(join(folder, 'd.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    const sync = synchronousSwitch(db);
    const mode = (): unknown => db.pragma('synchronous', { simple: true });
    sync(true);
    expect(mode()).toBe(2);
    sync(false);
    expect(mode()).toBe(1);
    sync(false);
    expect(mode()).toBe(1);
    sync(true);
    expect(mode()).toBe(2);
    db.close();
  });
});
