// The templates analyses are pinned to, stored once per distinct template (schema version 4)
// instead of in every analysis row: 10 000 analyses of one template kept 10 000 copies of its
// ~3 KB of JSON, written again on every tick and parsed again on every read. A row's control
// column names its template by key (sha256 of the template's JSON); rows written before version 4
// still carry the template inline and are read as they are (rows.ts).

import type BetterSqlite3 from 'better-sqlite3';
import { sha256Hex } from '../../analysis/evidence-hash.js';
import { DomainError } from '../../analysis/errors.js';
import type { CompiledTemplate } from '../../analysis/types.js';

export interface PinnedTemplates {
  /** The key of `spec`, its JSON stored under it if not yet there (within the caller's transaction). */
  pin(spec: CompiledTemplate): string;
  /** The template stored under `key`: parsed once, then shared (frozen) by every analysis pinned to it. */
  specFor(key: string): CompiledTemplate;
  /** Within the caller's transaction (retention): deletes the templates no analysis row names any more. */
  deleteUnused(): number;
}

interface Pinned {
  key: string;
  json: string;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}

export function preparePinnedTemplates(db: BetterSqlite3.Database, path: string): PinnedTemplates {
  const insert = db.prepare<[{ key: string; spec: string }]>('INSERT INTO pinned_templates (key, spec) VALUES (@key, @spec) ON CONFLICT (key) DO NOTHING');
  const select = db.prepare<[string], { spec: string }>('SELECT spec FROM pinned_templates WHERE key = ?');
  // By object: a template read from here, or the daemon's loaded one, is turned into JSON and hashed once.
  const pinnedByObject = new WeakMap<CompiledTemplate, Pinned>();
  const specsByKey = new Map<string, CompiledTemplate>();
  const exists = db.prepare<[string], { found: number }>('SELECT 1 AS found FROM pinned_templates WHERE key = ?');
  // Keys whose row is committed (rows go only with deleteUnused, which forgets them all).
  const stored = new Set<string>();
  // NOT IN over a set holding NULL is never true: rows written before schema 4 name no key.
  const unused = db.prepare(`DELETE FROM pinned_templates WHERE key NOT IN (
    SELECT json_extract(control, '$.templateKey') FROM analyses WHERE json_extract(control, '$.templateKey') IS NOT NULL)`);

  return {
    pin(spec) {
      let pinned = pinnedByObject.get(spec);
      if (pinned === undefined) {
        const json = JSON.stringify(spec);
        pinned = { key: sha256Hex(json), json };
        pinnedByObject.set(spec, pinned);
      }
      if (stored.has(pinned.key)) return pinned.key;
      // Known stored only once read back: an insert whose transaction rolls back leaves no row.
      if (exists.get(pinned.key) !== undefined) stored.add(pinned.key);
      else insert.run({ key: pinned.key, spec: pinned.json });
      return pinned.key;
    },
    specFor(key) {
      const cached = specsByKey.get(key);
      if (cached !== undefined) return cached;
      const row = select.get(key);
      if (row === undefined) throw new DomainError('store-unavailable', `SQLite store at ${path}: pinned template ${key} is missing`);
      const spec = deepFreeze(JSON.parse(row.spec) as CompiledTemplate);
      specsByKey.set(key, spec);
      stored.add(key);
      pinnedByObject.set(spec, { key, json: row.spec });
      return spec;
    },
    deleteUnused() {
      // Forgotten before the delete commits: a rolled-back delete only costs a lookup at the next pin.
      stored.clear();
      return unused.run().changes;
    },
  };
}
