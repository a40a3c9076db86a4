// Classification of what went wrong talking to a Prometheus-compatible API: transport errors
// (refused, DNS, reset, TLS, timeout), HTTP statuses and Prometheus' own error answers.

import { snippet, type SourceFailure } from './messages.js';

export interface HttpAnswer {
  status: number;
  statusText: string;
  body: string;
  location?: string;
}

interface ErrorBody {
  errorType?: string;
  error?: string;
}

const UNREACHABLE_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found (DNS)',
  EAI_AGAIN: 'host name lookup failed (DNS)',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed while sending',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EHOSTDOWN: 'host down',
  EADDRNOTAVAIL: 'address not available',
};

const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ECONNABORTED', 'ESOCKETTIMEDOUT']);
const TLS_CODE_PATTERN = /^(CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_TLS_|ERR_SSL_|HOSTNAME_MISMATCH)/;

function readErrorBody(body: string): ErrorBody {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed !== 'object' || parsed === null) return {};
    const { errorType, error } = parsed as Record<string, unknown>;
    return {
      ...(typeof errorType === 'string' ? { errorType } : {}),
      ...(typeof error === 'string' ? { error } : {}),
    };
  } catch {
    return {};
  }
}

/** A `{"status":"error"}` answer, by Prometheus' errorType. */
export function classifyApiError(errorType: unknown, error: unknown): SourceFailure {
  const text = typeof error === 'string' && error !== '' ? error : `error of type ${String(errorType ?? 'unknown')}`;
  switch (errorType) {
    case 'bad_data':
    case 'execution':
      return { kind: 'rejected-query', detail: `rejected query: ${text}` };
    case 'timeout':
    case 'canceled':
      return { kind: 'timeout', detail: `query timed out on the server: ${text}` };
    default:
      return { kind: 'server-error', detail: `server error: ${text}` };
  }
}

/** A non-2xx HTTP answer. */
export function classifyHttpStatus(answer: HttpAnswer): SourceFailure {
  const { status, statusText, body } = answer;
  const parsed = readErrorBody(body);
  const statusLine = `HTTP ${status}${statusText ? ` ${statusText}` : ''}`;
  const said = parsed.error ?? snippet(body);

  if (status === 401 || status === 403) {
    return { kind: 'auth', detail: `authentication failed: ${statusLine}: ${said}` };
  }
  if (status === 400 || status === 422) {
    return { kind: 'rejected-query', detail: `rejected query: ${parsed.error ?? `${statusLine}: ${said}`}` };
  }
  if (parsed.errorType === 'timeout' || parsed.errorType === 'canceled') {
    return { kind: 'timeout', detail: `query timed out on the server: ${statusLine}: ${said}` };
  }
  if (status >= 300 && status < 400) {
    const target = answer.location ? ` to ${answer.location}` : '';
    return {
      kind: 'server-error',
      detail: `${statusLine}: redirected${target}; configure the source with the final URL`,
    };
  }
  if (status === 404) {
    return {
      kind: 'server-error',
      detail: `${statusLine}: no Prometheus query API at this URL (is the path prefix right?): ${said}`,
    };
  }
  return { kind: 'server-error', detail: `server error: ${statusLine}: ${said}` };
}

function readString(value: unknown, key: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const field = (value as Record<string, unknown>)[key];
  return typeof field === 'string' && field !== '' ? field : undefined;
}

/** The most specific error code: axios wraps Node's error, which may be an AggregateError. */
function errorCode(error: unknown): string | undefined {
  const own = readString(error, 'code');
  const cause = typeof error === 'object' && error !== null ? (error as { cause?: unknown }).cause : undefined;
  const causeCode = readString(cause, 'code');
  if (own?.startsWith('ERR_') && causeCode) return causeCode;
  return own ?? causeCode;
}

function errorText(error: unknown, code: string | undefined): string {
  const message = readString(error, 'message');
  if (message && code && !message.includes(code)) return `${code}: ${message}`;
  return message ?? code ?? String(error);
}

/**
 * An error thrown by the HTTP client (no HTTP answer). `deadlineHit` tells that our own overall
 * deadline cancelled the request.
 */
export function classifyTransportError(error: unknown, timeoutMs: number, deadlineHit: boolean): SourceFailure {
  const code = errorCode(error);
  const text = errorText(error, code);
  if (deadlineHit || (code !== undefined && TIMEOUT_CODES.has(code))) {
    return { kind: 'timeout', detail: `timed out after ${timeoutMs}ms without an answer` };
  }
  if (code !== undefined && code in UNREACHABLE_CODES) {
    return { kind: 'unreachable', detail: `unreachable: ${UNREACHABLE_CODES[code]} (${text})` };
  }
  if (code !== undefined && TLS_CODE_PATTERN.test(code)) {
    return { kind: 'unreachable', detail: `unreachable: TLS verification failed (${text})` };
  }
  if (code === 'ERR_BAD_RESPONSE' || /maxContentLength/.test(text)) {
    return { kind: 'malformed-answer', detail: `malformed answer: ${text}` };
  }
  if (/socket hang up/i.test(text)) {
    return { kind: 'unreachable', detail: `unreachable: connection closed without an answer (${text})` };
  }
  return { kind: 'unreachable', detail: `unreachable: ${text}` };
}
