// `canaryd serve` refuses to run open on a non-loopback host, or with a token it cannot read:
// exit 2, the field named with file:line:col, nothing listening.

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCanaryd } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import { fastTemplateYaml } from './fast-template.js';

describe('canaryd serve: the control boundary at start-up', () => {
  let dir: string;
  let templatesDir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'canaryd-e2e-auth-startup-'));
    templatesDir = join(dir, 'templates');
    await mkdir(templatesDir, { recursive: true });
    await writeFile(join(templatesDir, 'e2e-fast.yaml'), fastTemplateYaml());
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const config = (port: number, host: string, extra = ''): string =>
    [
      'server:',
      `  host: ${host}`,
      `  port: ${port}`,
      `store: { type: sqlite, path: ${JSON.stringify(join(dir, 'never.db'))} }`,
      `templates: [${JSON.stringify(templatesDir)}]`,
      'sources:',
      '  default: { type: prometheus, url: "http://127.0.0.1:9" }',
      extra,
    ].join('\n');

  it('exits 2 naming server.host when a non-loopback host has no auth', async () => {
    const file = join(dir, 'open.yaml');
    await writeFile(file, config(await freePort(), '0.0.0.0'));
    const run = await runCanaryd(['serve', '--config', file], { timeoutMs: 20_000 });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${file}:2:9: server.host: "0.0.0.0" is not a loopback address`);
  });

  it('exits 2 with file:line:col for an approver who is not a principal, before any token file is read', async () => {
    const file = join(dir, 'auth.yaml');
    const extra = [
      'auth:',
      '  tokens:',
      `    - { name: alice, tokenFile: ${JSON.stringify(join(dir, 'missing-token'))}, scopes: [read] }`,
      'policies:',
      '  - { id: p, decision: REQUIRE_APPROVAL, approvers: [mallory] }',
    ].join('\n');
    await writeFile(file, config(await freePort(), '127.0.0.1', extra));
    const run = await runCanaryd(['serve', '--config', file], { timeoutMs: 20_000 });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:12:\\d+: policies\\[0\\]\\.approvers\\[0\\]: "mallory" is not a principal`),
    );
    expect(run.stderr).not.toContain('cannot read file');
  });
});
