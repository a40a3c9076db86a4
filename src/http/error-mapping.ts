// The one place where errors become HTTP answers. Domain codes map to statuses; fastify's own
// 4xx errors (malformed JSON, media type, body size, unknown route) keep their status with a
// stable code; anything else is a 500 with a generic message (the cause is logged, never sent).

import type { FastifySchemaValidationError } from 'fastify';

import { DomainError } from '../analysis/errors.js';
import type { ErrorBody } from './schemas/common.js';
import { describeValidationFailure, type ValidationContext } from './validation-errors.js';

export const DOMAIN_STATUS: Readonly<Record<string, number>> = {
  'invalid-request': 400,
  'not-found': 404,
  'invalid-transition': 409,
  conflict: 409,
  'unknown-template': 422,
  'unknown-adapter': 422,
  'missing-argument': 422,
  'unsafe-argument': 422,
  'invalid-mode': 422,
  'invalid-adapter-call': 422,
  'invalid-config': 422,
  'store-unavailable': 503,
  // The control boundary (issue 8).
  unauthenticated: 401,
  forbidden: 403,
  'policy-denied': 403,
  'self-approval': 403,
  'approval-expired': 409,
  'approval-decided': 409,
  frozen: 409,
  'idempotency-key-reused': 422,
  'misdirected-request': 421,
};

const FASTIFY_CODES: Readonly<Record<string, { status: number; code: string }>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'payload-too-large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported-media-type' },
};

const CODE_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'invalid-request',
  404: 'not-found',
  405: 'method-not-allowed',
  413: 'payload-too-large',
  415: 'unsupported-media-type',
};

const GENERIC_MESSAGE: Readonly<Record<number, string>> = {
  500: 'internal error; the details are in the daemon log',
  503: 'the store is unavailable; retry later',
};

export interface MappedError {
  status: number;
  body: ErrorBody;
  /** error: unexpected, log with the cause · info: an expected refusal. */
  logLevel: 'error' | 'warn' | 'info';
}

function errorBody(code: string, message: string, field?: string): ErrorBody {
  return { error: field === undefined ? { code, message } : { code, message, field } };
}

function internal(): MappedError {
  return { status: 500, body: errorBody('internal', GENERIC_MESSAGE[500] as string), logLevel: 'error' };
}

interface ErrorLike {
  code?: unknown;
  statusCode?: unknown;
  message?: unknown;
  validation?: unknown;
  validationContext?: unknown;
}

function isValidationFailure(error: ErrorLike): error is ErrorLike & { validation: FastifySchemaValidationError[] } {
  return Array.isArray(error.validation) && error.validation.length > 0;
}

function mapDomainError(error: DomainError): MappedError {
  const status = DOMAIN_STATUS[error.code];
  if (status === undefined) return internal();
  // 5xx messages of the domain may name internals (a database path, a URL): keep them in the log.
  if (status >= 500) return { status, body: errorBody(error.code, GENERIC_MESSAGE[status] ?? 'unavailable'), logLevel: 'warn' };
  return { status, body: errorBody(error.code, error.message, error.field), logLevel: 'info' };
}

/**
 * Only fastify's own request errors (FST_* codes, and the SyntaxError its JSON parser marks 400)
 * keep their status and message; an error from elsewhere that merely carries a statusCode is unexpected.
 */
function isFastifyRequestError(error: ErrorLike): boolean {
  if (typeof error.code === 'string' && error.code.startsWith('FST_')) return true;
  const { statusCode } = error;
  return error instanceof SyntaxError && statusCode === 400;
}

function requestProblemMessage(error: ErrorLike, status: number): string {
  const text = typeof error.message === 'string' ? error.message : '';
  if (status === 400 && error instanceof SyntaxError) return `request body is not valid JSON: ${text}`;
  return text === '' ? 'invalid request' : text;
}

/** Maps anything thrown while handling a request to a status and an error body. */
export function mapError(thrown: unknown): MappedError {
  if (thrown instanceof DomainError) return mapDomainError(thrown);
  if (typeof thrown !== 'object' || thrown === null) return internal();
  const error = thrown as ErrorLike;
  if (isValidationFailure(error)) {
    const context = typeof error.validationContext === 'string' ? (error.validationContext as ValidationContext) : undefined;
    const { field, message } = describeValidationFailure(error.validation, context);
    return { status: 400, body: errorBody('invalid-request', message, field), logLevel: 'info' };
  }
  const known = typeof error.code === 'string' ? FASTIFY_CODES[error.code] : undefined;
  if (known !== undefined) {
    return { status: known.status, body: errorBody(known.code, requestProblemMessage(error, known.status)), logLevel: 'info' };
  }
  const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
  if (status >= 400 && status < 500 && isFastifyRequestError(error)) {
    const code = CODE_BY_STATUS[status] ?? 'invalid-request';
    return { status, body: errorBody(code, requestProblemMessage(error, status)), logLevel: 'info' };
  }
  return internal();
}
