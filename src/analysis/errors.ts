// Errors of the domain: a stable `code` for callers (the HTTP error handler maps codes to statuses),
// a message for people, and optionally the input field at fault.

export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly field?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DomainError';
  }
}
