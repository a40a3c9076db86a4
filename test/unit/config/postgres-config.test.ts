// The `store: {type: postgres, url | urlFile, pool}` entry: its shape problems at file:line:col, the
// URL read from a file, and the URL (it carries the password) handed to the logger as a secret.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { configSecrets } from '../../../src/app.js';
import { loadConfigText, parseConfig } from '../../../src/config/load.js';
import { describeUrl } from '../../../src/store/postgres/connection.js';
import { formatProblem } from '../../../src/template/problems.js';

const SOURCE = `sources:\n  default: { type: prometheus, url: http://127.0.0.1:9 }\n`;
const URL_WITH_PASSWORD = 'postgres://canaryd:s3cret-pw@db.internal:5432/canaryd';
const folders: string[] = [];

afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function problemsOf(text: string): string[] {
  const result = parseConfig(text, 'c.yaml', '/etc/canaryd');
  if (result.ok) throw new Error('expected problems, the config was accepted');
  return result.problems.map(formatProblem);
}

describe('store.type postgres', () => {
  it('needs url or urlFile, not both, and checks the pool', () => {
    expect(problemsOf(`store:\n  type: postgres\n${SOURCE}`)).toEqual([
      'c.yaml:2:3: store: a postgres store needs url (postgres://user:password@host:port/database) or, better, urlFile',
    ]);
    expect(problemsOf(`store:\n  type: postgres\n  url: ${URL_WITH_PASSWORD}\n  urlFile: /run/secrets/pg\n${SOURCE}`)).toEqual([
      'c.yaml:4:3: store.urlFile: give only one of url, urlFile',
    ]);
    const pool = problemsOf(`store:\n  type: postgres\n  urlFile: /run/secrets/pg\n  pool: { max: 0, idle: 3 }\n${SOURCE}`);
    expect(pool).toHaveLength(2);
    expect(pool.join('\n')).toMatch(/store\.pool\.max/);
    expect(pool.join('\n')).toMatch(/store\.pool.*idle/);
  });

  it('reads the URL from urlFile (relative to the config) and gives it to the logger as a secret', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'canaryd-pg-config-'));
    folders.push(folder);
    writeFileSync(join(folder, 'pg-url'), `${URL_WITH_PASSWORD}\n`);
    const text = `store:\n  type: postgres\n  urlFile: pg-url\n  pool: { max: 4 }\n${SOURCE}`;
    const loaded = await loadConfigText(text, join(folder, 'c.yaml'));
    if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join('\n'));
    expect(loaded.config.store).toMatchObject({ type: 'postgres', url: URL_WITH_PASSWORD, urlFile: join(folder, 'pg-url'), pool: { max: 4 } });
    expect(configSecrets(loaded.config)).toEqual([URL_WITH_PASSWORD]);
  });

  it('an unreadable urlFile is a problem naming the field and the file, never a value', async () => {
    const text = `store:\n  type: postgres\n  urlFile: /nonexistent/pg-url\n${SOURCE}`;
    const loaded = await loadConfigText(text, '/etc/canaryd/c.yaml');
    expect(loaded.ok ? [] : loaded.problems.map(formatProblem)).toEqual(
      ['c.yaml:3:12: store.urlFile: cannot read file /nonexistent/pg-url (ENOENT)'].map((line) => `/etc/canaryd/${line}`),
    );
  });

  it('messages name the server by its URL without the password', () => {
    expect(describeUrl(URL_WITH_PASSWORD)).toBe('postgres://canaryd@db.internal:5432/canaryd');
    expect(describeUrl('postgres://db.internal/canaryd?sslmode=require&password=x')).toBe('postgres://db.internal/canaryd');
    expect(describeUrl('not a url')).not.toContain('not a url');
  });
});
