// Errors of the domain: a stable `code` for callers, a message for people, and optionally the
// input field at fault. Codes are the keys of the one catalogue (src/errors/catalogue.ts), from
// which the HTTP error handler and the CLI derive statuses and exit codes; an unknown code does
// not compile.

import type { DomainErrorCode } from '../errors/catalogue.js';

export type { DomainErrorCode } from '../errors/catalogue.js';

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly field?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DomainError';
  }
}
