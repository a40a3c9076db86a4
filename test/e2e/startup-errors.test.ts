// `canaryd serve` refuses to start on a bad config or a bad template: exit 2, every problem named
// with file:line:col on stderr, nothing listening.

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCanaryd } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import { fastTemplateYaml } from './fast-template.js';

/** 1-based line of the first line of text that contains `needle`. */
function lineOf(text: string, needle: string): number {
  const index = text.split('\n').findIndex((line) => line.includes(needle));
  if (index < 0) throw new Error(`"${needle}" is not in the text`);
  return index + 1;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

async function portIsClosed(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1_000) });
    return false;
  } catch {
    return true;
  }
}

describe('canaryd serve: refused at start-up', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'canaryd-e2e-startup-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function configText(options: { port: number; templatesDir: string; engineThread?: string; storePath?: string }): string {
    return [
      'server:',
      '  host: 127.0.0.1',
      `  port: ${options.port}`,
      ...(options.engineThread === undefined ? [] : [`  engineThread: ${options.engineThread}`]),
      `store: { type: sqlite, path: ${JSON.stringify(options.storePath ?? join(dir, 'never.db'))} }`,
      `templates: [${JSON.stringify(options.templatesDir)}]`,
      'sources:',
      '  default: { type: prometheus, url: "http://127.0.0.1:9" }',
      '',
    ].join('\n');
  }

  it('exits 2 on a bad config and names each problem with file:line:col', async () => {
    const port = await freePort();
    const templatesDir = join(dir, 'good-templates');
    await mkdir(templatesDir, { recursive: true });
    await writeFile(join(templatesDir, 'e2e-fast.yaml'), fastTemplateYaml());
    const text = configText({ port, templatesDir })
      .replace('  host: 127.0.0.1', '  host: 127.0.0.1\n  prot: 8080')
      .replace('url: "http://127.0.0.1:9"', 'url: "not a url"');
    const file = join(dir, 'bad-config.yaml');
    await writeFile(file, text);

    const run = await runCanaryd(['serve', '--config', file], { timeoutMs: 20_000 });
    expect(run.code).toBe(2);
    const at = (needle: string) => new RegExp(`${escapeRegExp(file)}:${lineOf(text, needle)}:\\d+: .+`);
    expect(run.stderr).toMatch(at('prot: 8080'));
    expect(run.stderr).toMatch(at('not a url'));
    expect(run.stderr).toContain('prot');
    expect(run.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(await portIsClosed(port)).toBe(true);
    expect(existsSync(join(dir, 'never.db'))).toBe(false);
  });

  it('exits 2 on a config that is not YAML, with the place of the syntax error', async () => {
    const file = join(dir, 'not-yaml.yaml');
    await writeFile(file, 'server:\n  host: 127.0.0.1\n  port: [8080\nsources: {}\n');
    const run = await runCanaryd(['serve', '--config', file], { timeoutMs: 20_000 });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`${escapeRegExp(file)}:\\d+:\\d+: `));
  });

  it('refuses an invalid template in the templates folder, listing every problem of every file', async () => {
    const port = await freePort();
    const templatesDir = join(dir, 'bad-templates');
    await mkdir(templatesDir, { recursive: true });
    const first = fastTemplateYaml({ name: 'first-bad' })
      .replace('interval: 1s', 'interval: 1x')
      .replace('when: error_rate.canary <= 5%', 'when: latency.canary <= 5%');
    const second = fastTemplateYaml({ name: 'second-bad' }).replace('    - name: service\n', '    - name: service\n  source: nowhere\n');
    const good = fastTemplateYaml({ name: 'still-good' });
    await writeFile(join(templatesDir, 'first-bad.yaml'), first);
    await writeFile(join(templatesDir, 'second-bad.yaml'), second);
    await writeFile(join(templatesDir, 'still-good.yaml'), good);
    const file = join(dir, 'config-with-bad-templates.yaml');
    await writeFile(file, configText({ port, templatesDir }));

    const run = await runCanaryd(['serve', '--config', file], { timeoutMs: 20_000 });
    expect(run.code).toBe(2);
    const at = (templateFile: string, text: string, needle: string) =>
      new RegExp(`${escapeRegExp(join(templatesDir, templateFile))}:${lineOf(text, needle)}:\\d+: .+`);
    expect(run.stderr).toMatch(at('first-bad.yaml', first, 'interval: 1x'));
    expect(run.stderr).toMatch(at('first-bad.yaml', first, 'latency.canary'));
    expect(run.stderr).toMatch(at('second-bad.yaml', second, 'source: nowhere'));
    expect(run.stderr).toContain('nowhere');
    expect(run.stderr).not.toContain('still-good.yaml:');
    expect(run.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(await portIsClosed(port)).toBe(true);
  });

  describe('with the daemon in a worker thread (engineThread: worker)', () => {
    it('exits 2 and lists the template problems the worker found', async () => {
      const port = await freePort();
      const templatesDir = join(dir, 'worker-bad-templates');
      await mkdir(templatesDir, { recursive: true });
      const bad = fastTemplateYaml({ name: 'worker-bad' }).replace('interval: 1s', 'interval: 1x');
      await writeFile(join(templatesDir, 'worker-bad.yaml'), bad);
      const file = join(dir, 'worker-bad-templates.yaml');
      await writeFile(file, configText({ port, templatesDir, engineThread: 'worker' }));

      const run = await runCanaryd(['serve', '--config', file], { timeoutMs: 20_000 });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(new RegExp(`${escapeRegExp(join(templatesDir, 'worker-bad.yaml'))}:${lineOf(bad, 'interval: 1x')}:\\d+: .+`));
      expect(run.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
      expect(await portIsClosed(port)).toBe(true);
    });

    it('exits 4 with the reason when the store cannot be opened', async () => {
      const port = await freePort();
      const templatesDir = join(dir, 'worker-good-templates');
      await mkdir(templatesDir, { recursive: true });
      await writeFile(join(templatesDir, 'e2e-fast.yaml'), fastTemplateYaml());
      await writeFile(join(dir, 'not-a-folder'), 'a file where the store folder should be');
      const file = join(dir, 'worker-bad-store.yaml');
      await writeFile(file, configText({ port, templatesDir, engineThread: 'worker', storePath: join(dir, 'not-a-folder', 'canaryd.db') }));

      const run = await runCanaryd(['serve', '--config', file], { timeoutMs: 20_000 });
      expect(run.code).toBe(4);
      expect(run.stderr).toMatch(/SQLite/);
      expect(run.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
      expect(await portIsClosed(port)).toBe(true);
    });
  });
});
