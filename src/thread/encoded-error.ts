// Errors crossing between threads as data: structured cloning keeps an Error's message but not its
// class or its code, and the HTTP error handler and the CLI decide by both.

import { DomainError, type DomainErrorCode } from '../analysis/errors.js';
import { StartupProblems } from '../daemon/startup.js';
import type { Problem } from '../template/problems.js';

export type EncodedError =
  | { kind: 'startup'; problems: Problem[] }
  | { kind: 'domain'; code: DomainErrorCode; message: string; field?: string }
  | { kind: 'other'; name: string; message: string; stack?: string };

export function encodeError(error: unknown): EncodedError {
  if (error instanceof StartupProblems) return { kind: 'startup', problems: error.problems };
  if (error instanceof DomainError) {
    return { kind: 'domain', code: error.code, message: error.message, ...(error.field === undefined ? {} : { field: error.field }) };
  }
  if (error instanceof Error) return { kind: 'other', name: error.name, message: error.message, ...(error.stack === undefined ? {} : { stack: error.stack }) };
  return { kind: 'other', name: 'Error', message: String(error) };
}

export function decodeError(encoded: EncodedError): Error {
  if (encoded.kind === 'startup') return new StartupProblems(encoded.problems);
  if (encoded.kind === 'domain') return new DomainError(encoded.code, encoded.message, encoded.field);
  const error = new Error(encoded.message);
  error.name = encoded.name;
  if (encoded.stack !== undefined) error.stack = encoded.stack;
  return error;
}
