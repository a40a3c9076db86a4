// `canaryd report ID`: fetches the HTML canary report from a running daemon
// (GET /v1/analyses/{id}/report) and writes it to stdout, so `canaryd report ID > report.html`.
// Self-contained on purpose (its own small fetch); the remote commands of issue 9 share the same
// options: --server URL (or CANARYD_SERVER), --token-file FILE (or CANARYD_TOKEN).

import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { errorEntry, isDomainErrorCode } from '../errors/catalogue.js';
import { CliError, EXIT } from './common.js';
import type { CommandIo } from './io.js';

const REQUEST_TIMEOUT_MS = 30_000;

interface ReportOptions {
  server?: string;
  tokenFile?: string;
}

function serverUrl(option: string | undefined, env: NodeJS.ProcessEnv): URL {
  const given = option ?? env.CANARYD_SERVER;
  if (given === undefined || given.trim() === '') {
    throw new CliError('no daemon to ask: give --server URL or set CANARYD_SERVER (e.g. http://127.0.0.1:8080)', EXIT.invalid);
  }
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw new CliError(`--server: "${given}" is not a URL (e.g. http://127.0.0.1:8080)`, EXIT.invalid);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError(`--server: expected an http:// or https:// URL, got ${url.protocol}`, EXIT.invalid);
  return url;
}

async function bearerToken(file: string | undefined, env: NodeJS.ProcessEnv): Promise<string | null> {
  if (file !== undefined) {
    let token: string;
    try {
      token = (await readFile(file, 'utf8')).trim();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      throw new CliError(`--token-file: cannot read ${file} (${typeof code === 'string' ? code : 'unreadable'})`, EXIT.invalid);
    }
    if (token === '') throw new CliError(`--token-file: ${file} is empty`, EXIT.invalid);
    return token;
  }
  const fromEnv = env.CANARYD_TOKEN?.trim();
  return fromEnv === undefined || fromEnv === '' ? null : fromEnv;
}

/** The daemon's error body `{error: {code, message}}` as a CliError with the catalogue's exit code. */
function refusal(status: number, body: string): CliError {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
    const code = typeof parsed.error?.code === 'string' ? parsed.error.code : undefined;
    const message = typeof parsed.error?.message === 'string' ? parsed.error.message : `the daemon answered ${status}`;
    const exitCode = code !== undefined && isDomainErrorCode(code) ? errorEntry(code).exitCode : EXIT.runtime;
    return new CliError(`${message}${code === undefined ? '' : ` (${code}, HTTP ${status})`}`, exitCode);
  } catch {
    return new CliError(`the daemon answered ${status}`, EXIT.runtime);
  }
}

export async function fetchReport(id: string, options: ReportOptions, env: NodeJS.ProcessEnv): Promise<string> {
  const base = serverUrl(options.server, env);
  const token = await bearerToken(options.tokenFile, env);
  const url = new URL(`v1/analyses/${encodeURIComponent(id)}/report`, base.href.endsWith('/') ? base : new URL(`${base.href}/`));
  const headers: Record<string, string> = { Accept: 'text/html' };
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  let response: Response;
  try {
    response = await fetch(url, { headers, redirect: 'error', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (error) {
    const cause = (error as { cause?: { code?: unknown } }).cause?.code;
    throw new CliError(`cannot reach the daemon at ${base.origin}${typeof cause === 'string' ? ` (${cause})` : ''}`, EXIT.runtime);
  }
  const body = await response.text();
  if (!response.ok) throw refusal(response.status, body);
  return body;
}

export function registerReport(program: Command, io: CommandIo, env: NodeJS.ProcessEnv = process.env): void {
  program
    .command('report')
    .description('write the HTML canary report of an analysis to stdout (canaryd report ID > report.html)')
    .argument('<id>', 'the analysis id')
    .option('--server <url>', "the daemon's URL (default: $CANARYD_SERVER)")
    .option('--token-file <file>', 'a file holding the bearer token (default: $CANARYD_TOKEN)')
    .action(async (id: string, options: ReportOptions) => {
      io.stdout(await fetchReport(id, options, env));
      io.setExitCode(EXIT.promote);
    });
}
