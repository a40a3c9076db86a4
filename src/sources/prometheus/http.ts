// The HTTP side of the Prometheus source: one axios instance per source, form-encoded POSTs
// (queries can be long), credentials, TLS, and an overall deadline per request.

import http from 'node:http';
import https from 'node:https';
import axios from 'axios';
import type { PrometheusSourceOptions } from '../types.js';
import { classifyTransportError, type HttpAnswer } from './errors.js';
import type { SourceFailure } from './messages.js';

export type HttpOutcome = { ok: true; answer: HttpAnswer } | { ok: false; failure: SourceFailure };

export interface PrometheusHttp {
  /** POSTs `params` form-encoded to `<base URL><apiPath>`; never throws. `signal` abandons the request. */
  postForm(apiPath: string, params: Record<string, string>, signal?: AbortSignal): Promise<HttpOutcome>;
  /** Every credential this client sends, for redaction from messages. */
  readonly secrets: readonly string[];
  close(): void;
}

/** A configuration mistake found when a source is created (not a failure of the source). */
export class SourceConfigError extends Error {
  readonly code = 'SOURCE_CONFIG_INVALID';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SourceConfigError';
  }
}

const MAX_ANSWER_BYTES = 64 * 1024 * 1024;
/** The caller gave up (the daemon is stopping); nobody judges this answer. */
const ABANDONED: SourceFailure = { kind: 'timeout', detail: 'abandoned: the daemon is stopping' };
const USER_AGENT = 'canaryd';

interface BaseUrl {
  /** origin + path prefix, no trailing slash */
  prefix: string;
  search: string;
  urlUser?: { username: string; password: string };
}

function parseBaseUrl(name: string, url: string): BaseUrl {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new SourceConfigError(`source "${name}": not a URL`, { cause });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new SourceConfigError(`source "${name}": URL must be http or https, not ${parsed.protocol}`);
  }
  const path = parsed.pathname.replace(/\/+$/, '');
  const urlUser = parsed.username ? { username: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) } : undefined;
  return { prefix: `${parsed.protocol}//${parsed.host}${path}`, search: parsed.search, ...(urlUser ? { urlUser } : {}) };
}

function buildHeaders(options: PrometheusSourceOptions, urlUser: BaseUrl['urlUser']): Record<string, string> {
  // identity: answers are ~100-byte JSON documents; inflating them cost more CPU than it saved (issue 10).
  const headers: Record<string, string> = { Accept: 'application/json', 'Accept-Encoding': 'identity', 'User-Agent': USER_AGENT, ...options.headers };
  const basic = options.basicAuth ?? urlUser;
  if (options.bearerToken !== undefined) {
    headers.Authorization = `Bearer ${options.bearerToken}`;
  } else if (basic) {
    headers.Authorization = `Basic ${Buffer.from(`${basic.username}:${basic.password}`).toString('base64')}`;
  }
  return headers;
}

function collectSecrets(options: PrometheusSourceOptions, headers: Record<string, string>, urlUser: BaseUrl['urlUser']): string[] {
  const secrets = [options.bearerToken, options.basicAuth?.password, urlUser?.password, headers.Authorization, ...Object.values(options.headers ?? {})];
  // The encoded forms too, in case a server echoes the header back.
  const basic = headers.Authorization?.startsWith('Basic ') ? headers.Authorization.slice('Basic '.length) : undefined;
  return [...secrets, basic].filter((s): s is string => typeof s === 'string' && s !== '');
}

export function createPrometheusHttp(options: PrometheusSourceOptions): PrometheusHttp {
  if (!(options.timeoutMs > 0)) throw new SourceConfigError(`source "${options.name}": timeout must be positive`);
  const base = parseBaseUrl(options.name, options.url);
  const headers = buildHeaders(options, base.urlUser);
  const secrets = collectSecrets(options, headers, base.urlUser);
  const httpAgent = new http.Agent({ keepAlive: true });
  const httpsAgent = new https.Agent({
    keepAlive: true,
    rejectUnauthorized: options.tls?.insecureSkipVerify !== true,
    ...(options.tls?.ca !== undefined ? { ca: options.tls.ca } : {}),
  });
  const client = axios.create({
    headers,
    httpAgent,
    httpsAgent,
    maxRedirects: 0,
    maxContentLength: MAX_ANSWER_BYTES,
    responseType: 'text',
    // Keep the raw text: JSON errors are ours to classify, not axios' to throw.
    transformResponse: [(data: unknown) => data],
    validateStatus: () => true,
    decompress: false,
  });

  async function postForm(apiPath: string, params: Record<string, string>, abandon?: AbortSignal): Promise<HttpOutcome> {
    if (abandon?.aborted) return { ok: false, failure: ABANDONED };
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), options.timeoutMs);
    const signal = abandon === undefined ? deadline.signal : AbortSignal.any([deadline.signal, abandon]);
    try {
      const response = await client.post<string>(`${base.prefix}${apiPath}${base.search}`, new URLSearchParams(params), { signal });
      const location = response.headers.location;
      const answer: HttpAnswer = {
        status: response.status,
        statusText: response.statusText ?? '',
        body: typeof response.data === 'string' ? response.data : String(response.data ?? ''),
        ...(typeof location === 'string' ? { location } : {}),
      };
      return { ok: true, answer };
    } catch (error) {
      if (abandon?.aborted === true && !deadline.signal.aborted) return { ok: false, failure: ABANDONED };
      return { ok: false, failure: classifyTransportError(error, options.timeoutMs, deadline.signal.aborted) };
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    postForm,
    secrets,
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}
