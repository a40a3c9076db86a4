// One `canaryd serve` per SQLite file: a second daemon on the same file is refused at start-up
// (exit 4, a message pointing to PostgreSQL); the lock dies with its holder, even by kill -9; other
// readers of the file (a store opened in-process, as tools and tests do) are not affected.

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { runCanaryd } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import { startDaemon, type DaemonProcess } from './daemon-harness.js';
import { fastTemplateYaml } from './fast-template.js';

describe('canaryd serve on SQLite: one daemon per file', () => {
  let dir: string;
  const daemons: DaemonProcess[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'canaryd-e2e-lock-'));
    await mkdir(join(dir, 'templates'));
    await writeFile(join(dir, 'templates', 'e2e-fast.yaml'), fastTemplateYaml());
  });

  afterAll(async () => {
    for (const daemon of daemons) await daemon.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function configFile(name: string, port: number): Promise<string> {
    const file = join(dir, `${name}.yaml`);
    const text = [
      `server: { host: 127.0.0.1, port: ${port} }`,
      `store: { type: sqlite, path: ${JSON.stringify(join(dir, 'canaryd.db'))} }`,
      `templates: [${JSON.stringify(join(dir, 'templates'))}]`,
      'sources:',
      '  default: { type: prometheus, url: "http://127.0.0.1:9" }',
      'log: { level: info }',
      '',
    ].join('\n');
    await writeFile(file, text);
    return file;
  }

  it('refuses a second daemon with exit 4 and a pointer to PostgreSQL; after kill -9 of the first, a new one starts', async () => {
    const firstPort = await freePort();
    const first = await startDaemon(await configFile('first', firstPort), { url: `http://127.0.0.1:${firstPort}` });
    daemons.push(first);

    const secondPort = await freePort();
    const second = await runCanaryd(['serve', '--config', await configFile('second', secondPort)], { timeoutMs: 20_000 });
    expect(second.code).toBe(4);
    expect(second.stderr).toContain(`another canaryd daemon is already running on the SQLite store ${join(dir, 'canaryd.db')}`);
    expect(second.stderr).toMatch(/share a PostgreSQL store instead \(store: \{type: postgres/);
    expect(second.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    // The first daemon did not notice and still answers.
    expect((await fetch(`${first.url}/readyz`)).status).toBe(200);

    // Readers that open the file in-process keep working while the daemon runs.
    const reader = openSqliteStore(join(dir, 'canaryd.db'));
    try {
      expect(await reader.listAnalyses()).toEqual([]);
    } finally {
      await reader.close();
    }

    expect(await first.kill('SIGKILL')).toMatchObject({ signal: 'SIGKILL' });
    const thirdPort = await freePort();
    const third = await startDaemon(await configFile('third', thirdPort), { url: `http://127.0.0.1:${thirdPort}` });
    daemons.push(third);
    expect((await fetch(`${third.url}/readyz`)).status).toBe(200);
    expect((await third.stop()).code).toBe(0);
    // A clean stop releases the lock too.
    const fourthPort = await freePort();
    const fourth = await startDaemon(await configFile('fourth', fourthPort), { url: `http://127.0.0.1:${fourthPort}` });
    daemons.push(fourth);
    expect((await fetch(`${fourth.url}/readyz`)).status).toBe(200);
  });
});
