// The one catalogue of domain error codes: every `DomainError.code` is a key of ERROR_CATALOGUE,
// so a code missing here does not compile. The HTTP error handler (src/http/error-mapping.ts) and
// the CLI (src/main.ts) derive their statuses and exit codes from it. Plain data, no imports of
// HTTP or CLI code: the pure core may throw these codes.
//
// To add a code: add an entry here (status, exit code, summary), throw a DomainError with it
// (message, field?), and document it where users see it (README "Errors are ..." for 4xx codes).

import { EXIT, type ExitCode } from './exit-codes.js';

export interface ErrorEntry {
  /** The HTTP status the API answers with. 500 marks a programming error: logged, never explained. */
  httpStatus: 400 | 401 | 403 | 404 | 409 | 421 | 422 | 500 | 503;
  /** The exit code of a one-shot command that fails with this error. */
  exitCode: ExitCode;
  /** What the code means, for people reading the catalogue, the docs and the tests. */
  summary: string;
  /**
   * For 5xx codes: the message sent instead of the error's own, which may name internals
   * (a database path, a URL); the error's message goes to the log only.
   */
  publicMessage?: string;
}

const INTERNAL_MESSAGE = 'internal error; the details are in the daemon log';

export const ERROR_CATALOGUE = {
  // The request or the command's input is wrong: 4xx, exit 2.
  'invalid-request': { httpStatus: 400, exitCode: EXIT.invalid, summary: 'a field of the request is malformed or missing; `field` names it' },
  'invalid-mode': { httpStatus: 422, exitCode: EXIT.invalid, summary: 'the analysis mode is neither "drive" nor "observe"' },
  'unknown-template': { httpStatus: 422, exitCode: EXIT.invalid, summary: 'no loaded template has this name' },
  'unknown-adapter': { httpStatus: 422, exitCode: EXIT.invalid, summary: 'drive mode without an adapter, or an adapter the config does not define' },
  'missing-argument': { httpStatus: 422, exitCode: EXIT.invalid, summary: 'a template argument without a default has no value' },
  'unsafe-argument': { httpStatus: 422, exitCode: EXIT.invalid, summary: 'an argument value cannot be placed safely where the query uses it' },
  'invalid-config': { httpStatus: 422, exitCode: EXIT.invalid, summary: 'the daemon config, or a part of it such as an adapter, is invalid' },
  'invalid-template': { httpStatus: 422, exitCode: EXIT.invalid, summary: 'a template cannot be rendered (an unclosed or unknown placeholder)' },
  'no-steps': { httpStatus: 422, exitCode: EXIT.invalid, summary: 'a template without traffic steps' },
  // The request is valid but the analysis' state refuses it: 404/409, exit 4.
  'not-found': { httpStatus: 404, exitCode: EXIT.runtime, summary: 'no analysis (or adapter call) with this id' },
  'invalid-transition': { httpStatus: 409, exitCode: EXIT.runtime, summary: "a manual action the analysis' phase does not allow" },
  conflict: { httpStatus: 409, exitCode: EXIT.runtime, summary: 'a stale write: the analysis (or call) changed meanwhile, or already exists' },
  'lease-lost': {
    httpStatus: 409,
    exitCode: EXIT.runtime,
    summary: 'a replica wrote for an analysis whose lease another replica has taken over (fencing token stale)',
  },
  'no-such-step': {
    httpStatus: 409,
    exitCode: EXIT.invalid,
    summary: "a step index beyond the template's steps (e.g. analyze --step, or a template that lost steps)",
  },
  'not-observe-mode': { httpStatus: 409, exitCode: EXIT.runtime, summary: 'an observed weight for an analysis in drive mode (canaryd sets its weight itself)' },
  'unknown-gate': { httpStatus: 404, exitCode: EXIT.invalid, summary: 'a gate type canaryd does not serve (POST /v1/gates/flagger/{type})' },
  'unknown-check': { httpStatus: 404, exitCode: EXIT.invalid, summary: "evidence posted for a check the analysis' template does not declare (spec.checks)" },
  'no-drive-analysis': { httpStatus: 409, exitCode: EXIT.runtime, summary: 'a rollback of a target none of whose analyses has a drive-mode adapter to call' },
  'not-running': { httpStatus: 409, exitCode: EXIT.runtime, summary: 'a tick judged for an analysis that is not running' },
  // The control boundary (issue 8): who may do what, under which policy.
  unauthenticated: { httpStatus: 401, exitCode: EXIT.runtime, summary: 'no bearer token, or one that names no principal' },
  forbidden: { httpStatus: 403, exitCode: EXIT.runtime, summary: 'the principal lacks the scope or the environment the request needs' },
  'policy-denied': { httpStatus: 403, exitCode: EXIT.runtime, summary: 'a policy with decision DENY matches the action' },
  'self-approval': { httpStatus: 403, exitCode: EXIT.runtime, summary: 'an approval by the principal that created the analysis or requested the action' },
  'approval-expired': { httpStatus: 409, exitCode: EXIT.runtime, summary: 'the approval request passed its expiresAt' },
  'approval-decided': { httpStatus: 409, exitCode: EXIT.runtime, summary: 'the approval request was already approved, rejected or cancelled' },
  frozen: { httpStatus: 409, exitCode: EXIT.runtime, summary: 'a freeze (kill switch) covers the analysis: no advance until it is lifted' },
  'misdirected-request': { httpStatus: 421, exitCode: EXIT.invalid, summary: 'the Host header is not in server.allowedHosts (DNS rebinding guard)' },
  'idempotency-key-reused': { httpStatus: 422, exitCode: EXIT.invalid, summary: 'an Idempotency-Key already used for a different create request' },
  // canaryd cannot serve now: 503, exit 4.
  'store-unavailable': {
    httpStatus: 503,
    exitCode: EXIT.runtime,
    summary: 'the store cannot be opened or written, or the daemon is starting or stopping',
    publicMessage: 'the store is unavailable; retry later',
  },
  // A caller inside canaryd broke a store contract: a bug, exit 4. invalid-adapter-call has answered
  // 422 since the API began (the call being recorded is what is wrong); invalid-argument is a 500.
  'invalid-adapter-call': {
    httpStatus: 422,
    exitCode: EXIT.runtime,
    summary: 'an adapter call whose key or analysis differs from its request (a bug in the caller)',
  },
  'invalid-argument': {
    httpStatus: 500,
    exitCode: EXIT.runtime,
    summary: 'a store method called with an invalid argument (a bug in the caller)',
    publicMessage: INTERNAL_MESSAGE,
  },
} as const satisfies Record<string, ErrorEntry>;

/** Every code a DomainError may carry. */
export type DomainErrorCode = keyof typeof ERROR_CATALOGUE;

export const DOMAIN_ERROR_CODES = Object.keys(ERROR_CATALOGUE) as DomainErrorCode[];

export function errorEntry(code: DomainErrorCode): ErrorEntry {
  return ERROR_CATALOGUE[code];
}

/** For codes that arrive untyped (e.g. from a serialized error): the entry, or undefined. */
export function isDomainErrorCode(code: string): code is DomainErrorCode {
  return Object.hasOwn(ERROR_CATALOGUE, code);
}
