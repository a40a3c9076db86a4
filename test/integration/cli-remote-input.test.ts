// The remote commands' bad input that needs no daemon: no server, a URL that is not one, a
// daemon that is not there, token files that cannot be used, a server that is not canaryd —
// each a `canaryd: <message>` line on stderr with the exit code of architecture.md §6, no stack,
// no secret. The built binary, as users run it.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCanaryd, type CliRun } from '../helpers/cli.js';

const CLEAN_ENV = { CANARYD_SERVER: '', CANARYD_TOKEN: '' };

function expectOneLine(run: CliRun, code: number, message: string | RegExp): void {
  expect(run.code).toBe(code);
  expect(run.stdout).toBe('');
  if (typeof message === 'string') expect(run.stderr).toBe(`canaryd: ${message}\n`);
  else expect(run.stderr).toMatch(message);
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
}

describe('canaryd remote commands: bad input without a daemon', () => {
  let dir: string;
  let impostor: Server;
  let impostorUrl: string;
  /** Every Authorization header the impostor saw. */
  const seenAuthorization: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'canaryd-cli-remote-'));
    impostor = createServer((request, response) => {
      seenAuthorization.push(String(request.headers.authorization));
      if (request.url?.startsWith('/html')) {
        response.writeHead(502, { 'Content-Type': 'text/html' });
        response.end('<html><body>Bad Gateway</body></html>');
        return;
      }
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ items: [] }));
    });
    await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.1', resolve));
    impostorUrl = `http://127.0.0.1:${(impostor.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => impostor.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  it('no server given: exit 2, naming --server and CANARYD_SERVER, for every remote command', async () => {
    const message = 'no daemon given: pass --server URL or set CANARYD_SERVER (e.g. http://127.0.0.1:8080)';
    for (const args of [
      ['list'],
      ['get', 'analysis', 'a1'],
      ['describe', 'analysis', 'a1'],
      ['approvals', '--pending'],
      ['releases', '--service', 's', '--environment', 'e'],
      ['events', 'verify', 'a1'],
      ['pause', 'a1', '--reason', 'r'],
      ['report', 'a1'],
    ]) {
      expectOneLine(await runCanaryd(args, { env: CLEAN_ENV }), 2, message);
    }
  });

  it('a server that is not an http(s) URL: exit 2, naming where it came from', async () => {
    expectOneLine(
      await runCanaryd(['list', '--server', 'not a url'], { env: CLEAN_ENV }),
      2,
      '--server: "not a url" is not a URL (expected e.g. http://127.0.0.1:8080)',
    );
    expectOneLine(
      await runCanaryd(['list'], { env: { ...CLEAN_ENV, CANARYD_SERVER: 'ftp://127.0.0.1' } }),
      2,
      '$CANARYD_SERVER: expected an http(s) URL, got ftp:',
    );
  });

  it('an unreachable daemon: exit 4, its URL without the password in the URL', async () => {
    const run = await runCanaryd(['list', '--server', 'http://ops:hunter2-secret@127.0.0.1:9'], { env: CLEAN_ENV });
    expectOneLine(run, 4, 'cannot reach the daemon at http://127.0.0.1:9: connection refused (ECONNREFUSED)');
    expect(run.stderr).not.toContain('hunter2');
  });

  it('token files that cannot be used: exit 2, naming the file, never its content', async () => {
    const empty = join(dir, 'empty-token');
    await writeFile(empty, '\n');
    const twoWords = join(dir, 'two-words');
    await writeFile(twoWords, 'first-half-of-it second-half-of-it\n');
    expectOneLine(
      await runCanaryd(['list', '--server', impostorUrl, '--token-file', join(dir, 'missing')], { env: CLEAN_ENV }),
      2,
      `--token-file: cannot read ${join(dir, 'missing')}: ENOENT`,
    );
    expectOneLine(await runCanaryd(['list', '--server', impostorUrl, '--token-file', empty], { env: CLEAN_ENV }), 2, `--token-file: ${empty} is empty`);
    const split = await runCanaryd(['list', '--server', impostorUrl, '--token-file', twoWords], { env: CLEAN_ENV });
    expectOneLine(split, 2, `--token-file: ${twoWords} holds more than one word; it must hold the token alone`);
    expect(split.stderr).not.toContain('half-of-it');
  });

  it('a server that is not canaryd: exit 4 for an HTML error page and for JSON canaryd never serves; the token is sent but never shown', async () => {
    const token = join(dir, 'token');
    await writeFile(token, 'impostor-sees-this-token\n');
    const html = await runCanaryd(['list', '--server', `${impostorUrl}/html`, '--token-file', token], { env: CLEAN_ENV });
    expectOneLine(html, 4, `GET /v1/analyses: the daemon at ${impostorUrl}/html answered HTTP 502 without a canaryd error body`);
    const json = await runCanaryd(['list', '--server', impostorUrl, '--token-file', token], { env: CLEAN_ENV });
    expectOneLine(
      json,
      4,
      `GET /v1/analyses: the answer of the daemon at ${impostorUrl} is not what canaryd serves (analyses: Invalid input: expected array, received undefined)`,
    );
    expect(seenAuthorization).toContain('Bearer impostor-sees-this-token');
    expect(html.stderr + json.stderr).not.toContain('impostor-sees-this-token');
  });

  it('usage mistakes are caught before any request: exit 2', async () => {
    const base = ['--server', impostorUrl];
    const before = seenAuthorization.length;
    expect((await runCanaryd(['promote', 'a1', ...base], { env: CLEAN_ENV })).code).toBe(2);
    expectOneLine(await runCanaryd(['abort', 'a1', '--reason', ' ', ...base], { env: CLEAN_ENV }), 2, '--reason: say why (it is recorded in the audit trail)');
    expectOneLine(
      await runCanaryd(['approvals', '--state', 'maybe', ...base], { env: CLEAN_ENV }),
      2,
      '--state: expected one of pending, approved, rejected, expired, cancelled, got "maybe"',
    );
    expectOneLine(
      await runCanaryd(['releases', '--service', 's', '--environment', 'e', '--limit', '0', ...base], { env: CLEAN_ENV }),
      2,
      '--limit: expected a positive whole number, got "0"',
    );
    expectOneLine(await runCanaryd(['get', 'analysis', 'a1', '--timeout', '5s', ...base], { env: CLEAN_ENV }), 2, '--timeout applies only with --watch');
    expectOneLine(
      await runCanaryd(['get', 'analysis', 'a1', '--watch', '--interval', 'soon', ...base], { env: CLEAN_ENV }),
      2,
      '--interval: "soon" is not a positive duration (e.g. 10m, 1h30m)',
    );
    expect((await runCanaryd(['rollback', '--service', 's', '--environment', 'e', '--reason', 'r', ...base], { env: CLEAN_ENV })).stderr).toContain(
      "required option '--to-version <version>' not specified",
    );
    expect(seenAuthorization.length).toBe(before);
  });
});
