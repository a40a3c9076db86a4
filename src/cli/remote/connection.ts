// Where a remote command finds its daemon and its token: --server URL or CANARYD_SERVER,
// --token-file FILE or CANARYD_TOKEN. The token is read here and only handed to the HTTP client;
// it never appears in a message.

import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { CliError, parseOutputFormat, type OutputFormat } from '../common.js';

export const SERVER_ENV = 'CANARYD_SERVER';
export const TOKEN_ENV = 'CANARYD_TOKEN';

/** The flags every command that talks to a daemon has. */
export interface DaemonFlags {
  server?: string;
  tokenFile?: string;
  output: string;
}

export interface Connection {
  /** The daemon's base URL, without a trailing slash. */
  baseUrl: string;
  /** The base URL as it may be shown: without user name or password. */
  displayUrl: string;
  token: string | null;
  /** Where the token came from, for messages ("--token-file /x", "CANARYD_TOKEN"); null without one. */
  tokenSource: string | null;
}

export function addDaemonOptions(command: Command): Command {
  return command
    .option('--server <url>', `the daemon's base URL (default: $${SERVER_ENV})`)
    .option('--token-file <file>', `a file holding the bearer token (default: the token in $${TOKEN_ENV})`)
    .option('--output <format>', 'text | json', 'text');
}

export function outputOf(flags: DaemonFlags): OutputFormat {
  return parseOutputFormat(flags.output);
}

function parseServer(value: string, from: string): { baseUrl: string; displayUrl: string } {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliError(`${from}: "${value}" is not a URL (expected e.g. http://127.0.0.1:8080)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError(`${from}: expected an http(s) URL, got ${url.protocol}`);
  if (url.search !== '' || url.hash !== '') throw new CliError(`${from}: the URL must not carry a query or fragment`);
  const baseUrl = url.toString().replace(/\/+$/, '');
  url.username = '';
  url.password = '';
  return { baseUrl, displayUrl: url.toString().replace(/\/+$/, '') };
}

async function readToken(flags: DaemonFlags, env: NodeJS.ProcessEnv): Promise<Pick<Connection, 'token' | 'tokenSource'>> {
  if (flags.tokenFile !== undefined) {
    let text: string;
    try {
      text = await readFile(flags.tokenFile, 'utf8');
    } catch (error) {
      throw new CliError(`--token-file: cannot read ${flags.tokenFile}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    const token = text.trim();
    if (token === '') throw new CliError(`--token-file: ${flags.tokenFile} is empty`);
    if (/\s/.test(token)) throw new CliError(`--token-file: ${flags.tokenFile} holds more than one word; it must hold the token alone`);
    return { token, tokenSource: `--token-file ${flags.tokenFile}` };
  }
  const fromEnv = env[TOKEN_ENV]?.trim();
  if (fromEnv !== undefined && fromEnv !== '') return { token: fromEnv, tokenSource: `$${TOKEN_ENV}` };
  return { token: null, tokenSource: null };
}

export async function resolveConnection(flags: DaemonFlags, env: NodeJS.ProcessEnv = process.env): Promise<Connection> {
  const fromFlag = flags.server;
  const fromEnv = env[SERVER_ENV];
  let server: { baseUrl: string; displayUrl: string };
  if (fromFlag !== undefined) server = parseServer(fromFlag, '--server');
  else if (fromEnv !== undefined && fromEnv.trim() !== '') server = parseServer(fromEnv.trim(), `$${SERVER_ENV}`);
  else throw new CliError(`no daemon given: pass --server URL or set ${SERVER_ENV} (e.g. http://127.0.0.1:8080)`);
  return { ...server, ...(await readToken(flags, env)) };
}
