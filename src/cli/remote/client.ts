// The HTTP client of the remote commands (axios): one daemon, one bearer token. Every failure
// becomes a CliError with the exit code of architecture.md §6 — the error catalogue's for a
// canaryd error code, 4 when the daemon cannot be reached or answers what canaryd never would.
// Messages name the daemon's URL (without credentials) and never the token.

import axios, { type AxiosInstance, isAxiosError } from 'axios';
import type { z } from 'zod';
import { errorEntry, isDomainErrorCode } from '../../errors/catalogue.js';
import { CliError, EXIT } from '../common.js';
import type { Connection } from './connection.js';

const REQUEST_TIMEOUT_MS = 15_000;

/** A successful answer: its status, the raw JSON body (printed by --output json) and the body as the CLI reads it. */
export interface DaemonAnswer<T> {
  status: number;
  raw: unknown;
  body: T;
}

export interface DaemonClient {
  get<T>(path: string, schema: z.ZodType<T>, query?: Record<string, string | undefined>): Promise<DaemonAnswer<T>>;
  post<T>(path: string, body: unknown, schema: z.ZodType<T>): Promise<DaemonAnswer<T>>;
  /** A page the daemon serves as text (the HTML report), refused unless its content type starts with `mediaType`. */
  getText(path: string, mediaType: string): Promise<string>;
}

/**
 * A failure that may pass by itself: the daemon could not be reached, or answered 503 (starting,
 * stopping, store unavailable). --watch retries these for a while; other commands fail at once.
 */
export class TransientDaemonError extends CliError {}

/** encodeURIComponent for one path segment (an id typed by a person may hold anything). */
export function segment(value: string): string {
  return encodeURIComponent(value);
}

interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

function isErrorBody(body: unknown): body is ErrorBody {
  if (typeof body !== 'object' || body === null || !('error' in body)) return false;
  const error = (body as { error: unknown }).error;
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string' &&
    typeof (error as { message?: unknown }).message === 'string'
  );
}

const TRANSPORT_WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'timed out',
  ECONNABORTED: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

function transportFailure(connection: Connection, error: unknown): TransientDaemonError {
  const code = isAxiosError(error) ? error.code : undefined;
  const words = code === undefined ? 'no answer' : `${TRANSPORT_WORDS[code] ?? 'request failed'} (${code})`;
  return new TransientDaemonError(`cannot reach the daemon at ${connection.displayUrl}: ${words}`, EXIT.runtime);
}

function hint(connection: Connection, code: string): string {
  if (code !== 'unauthenticated') return '';
  if (connection.token === null) return `; give --token-file FILE or set CANARYD_TOKEN`;
  return `; check the token in ${connection.tokenSource ?? 'use'}`;
}

/** A 4xx/5xx answer as a CliError: "<code>: <message> (field F)", with the catalogue's exit code. */
export function answerFailure(connection: Connection, status: number, body: unknown, what: string): CliError {
  if (!isErrorBody(body)) {
    return new CliError(`${what}: the daemon at ${connection.displayUrl} answered HTTP ${status} without a canaryd error body`, EXIT.runtime);
  }
  const { code, message, field } = body.error;
  const fieldText = field === undefined ? '' : ` (field ${field})`;
  let exitCode: number = status >= 500 ? EXIT.runtime : EXIT.invalid;
  if (isDomainErrorCode(code)) exitCode = errorEntry(code).exitCode;
  const text = `${code}: ${message}${fieldText}${hint(connection, code)}`;
  return status === 503 ? new TransientDaemonError(text, exitCode) : new CliError(text, exitCode);
}

function parseJsonOrNull(data: unknown): unknown {
  if (typeof data !== 'string') return data;
  try {
    return JSON.parse(data);
  } catch {
    return null;
  }
}

export function createDaemonClient(connection: Connection): DaemonClient {
  const http: AxiosInstance = axios.create({
    baseURL: connection.baseUrl,
    timeout: REQUEST_TIMEOUT_MS,
    validateStatus: () => true,
    responseType: 'json',
    headers: {
      Accept: 'application/json',
      'User-Agent': 'canaryd-cli',
      ...(connection.token === null ? {} : { Authorization: `Bearer ${connection.token}` }),
    },
    // The daemon's answers are small; a wrong --server pointing at something huge stops here.
    maxContentLength: 64 * 1024 * 1024,
  });

  async function send<T>(
    method: 'GET' | 'POST',
    path: string,
    schema: z.ZodType<T>,
    options: { body?: unknown; query?: Record<string, string | undefined> },
  ): Promise<DaemonAnswer<T>> {
    const what = `${method} ${path}`;
    const params = Object.fromEntries(Object.entries(options.query ?? {}).filter(([, value]) => value !== undefined));
    let response: { status: number; data: unknown };
    try {
      response = await http.request({ method, url: path, params, ...(options.body === undefined ? {} : { data: options.body }) });
    } catch (error) {
      throw transportFailure(connection, error);
    }
    if (response.status < 200 || response.status > 299) throw answerFailure(connection, response.status, response.data, what);
    const parsed = schema.safeParse(response.data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue === undefined ? '' : ` (${issue.path.join('.') || 'body'}: ${issue.message})`;
      throw new CliError(`${what}: the answer of the daemon at ${connection.displayUrl} is not what canaryd serves${where}`, EXIT.runtime);
    }
    return { status: response.status, raw: response.data, body: parsed.data };
  }

  async function getText(path: string, mediaType: string): Promise<string> {
    const what = `GET ${path}`;
    let response: { status: number; data: unknown; headers: Record<string, unknown> };
    try {
      response = await http.request({ method: 'GET', url: path, responseType: 'text', headers: { Accept: mediaType } });
    } catch (error) {
      throw transportFailure(connection, error);
    }
    if (response.status < 200 || response.status > 299) throw answerFailure(connection, response.status, parseJsonOrNull(response.data), what);
    const contentType = String(response.headers['content-type'] ?? '');
    if (!contentType.startsWith(mediaType) || typeof response.data !== 'string') {
      throw new CliError(`${what}: the daemon at ${connection.displayUrl} answered ${contentType || 'no content type'}, not ${mediaType}`, EXIT.runtime);
    }
    return response.data;
  }

  return {
    get: (path, schema, query) => send('GET', path, schema, query === undefined ? {} : { query }),
    post: (path, body, schema) => send('POST', path, schema, { body }),
    getText,
  };
}
