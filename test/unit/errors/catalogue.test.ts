// The error catalogue is the only table of domain codes: every entry is consistent, every code
// thrown in src/ is in it (and every entry is thrown somewhere), and both the HTTP error handler
// and the CLI answer exactly what it says.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

import { DomainError } from '../../../src/analysis/errors.js';
import { DOMAIN_ERROR_CODES, ERROR_CATALOGUE, errorEntry, isDomainErrorCode, type DomainErrorCode } from '../../../src/errors/catalogue.js';
import { EXIT } from '../../../src/errors/exit-codes.js';
import { mapError } from '../../../src/http/error-mapping.js';
import { domainErrorExitCode } from '../../../src/main.js';
import { errorOf, startApi, VALID_CREATE } from '../http/harness.js';

const SRC = fileURLToPath(new URL('../../../src', import.meta.url));

/** What each code answers, pinned: changing one is a decision the test makes visible. */
const EXPECTED: Record<DomainErrorCode, [status: number, exit: number]> = {
  'invalid-request': [400, EXIT.invalid],
  unauthenticated: [401, EXIT.runtime],
  forbidden: [403, EXIT.runtime],
  'policy-denied': [403, EXIT.runtime],
  'self-approval': [403, EXIT.runtime],
  'approval-expired': [409, EXIT.runtime],
  'approval-decided': [409, EXIT.runtime],
  frozen: [409, EXIT.runtime],
  'misdirected-request': [421, EXIT.invalid],
  'idempotency-key-reused': [422, EXIT.invalid],
  'invalid-mode': [422, EXIT.invalid],
  'unknown-template': [422, EXIT.invalid],
  'unknown-adapter': [422, EXIT.invalid],
  'missing-argument': [422, EXIT.invalid],
  'unsafe-argument': [422, EXIT.invalid],
  'invalid-config': [422, EXIT.invalid],
  'invalid-template': [422, EXIT.invalid],
  'no-steps': [422, EXIT.invalid],
  'not-found': [404, EXIT.runtime],
  'invalid-transition': [409, EXIT.runtime],
  conflict: [409, EXIT.runtime],
  'lease-lost': [409, EXIT.runtime],
  'no-such-step': [409, EXIT.invalid],
  'not-running': [409, EXIT.runtime],
  'not-observe-mode': [409, EXIT.runtime],
  'unknown-gate': [404, EXIT.invalid],
  'unknown-check': [404, EXIT.invalid],
  'no-drive-analysis': [409, EXIT.runtime],
  'store-unavailable': [503, EXIT.runtime],
  'invalid-adapter-call': [422, EXIT.runtime],
  'invalid-argument': [500, EXIT.runtime],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

/** Codes given to `new DomainError(` or to `super(` in a DomainError subclass, anywhere in src/. */
function thrownCodes(): Set<string> {
  const codes = new Set<string>();
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/new DomainError\(\s*'([^']+)'/g)) codes.add(match[1] as string);
    if (/extends DomainError/.test(text)) {
      for (const match of text.matchAll(/super\(\s*'([^']+)'/g)) codes.add(match[1] as string);
      // A subclass that takes its code as a parameter typed by a union of literals (RefusedAction).
      for (const union of text.matchAll(/\bcode: ((?:'[^']+'(?: \| )?)+)/g)) {
        for (const literal of (union[1] as string).matchAll(/'([^']+)'/g)) codes.add(literal[1] as string);
      }
    }
  }
  return codes;
}

describe('the error catalogue', () => {
  it('pins the status and exit code of every code', () => {
    const actual = Object.fromEntries(DOMAIN_ERROR_CODES.map((code) => [code, [errorEntry(code).httpStatus, errorEntry(code).exitCode]]));
    expect(actual).toEqual(EXPECTED);
  });

  it('is consistent: input errors are 4xx, unavailability 503, bugs never exit 2; every 5xx has a public message', () => {
    for (const code of DOMAIN_ERROR_CODES) {
      const entry = ERROR_CATALOGUE[code];
      expect(entry.summary.length, code).toBeGreaterThan(10);
      expect(Object.values(EXIT), code).toContain(entry.exitCode);
      if (entry.exitCode === EXIT.invalid) expect(entry.httpStatus, code).toBeLessThan(500);
      if (entry.httpStatus >= 500) {
        expect(entry.exitCode, code).toBe(EXIT.runtime);
        expect('publicMessage' in entry && entry.publicMessage, code).toBeTruthy();
      }
    }
  });

  it('holds every code thrown in src/, and every code it holds is thrown somewhere', () => {
    const thrown = thrownCodes();
    expect(thrown.size).toBeGreaterThan(10);
    expect([...thrown].filter((code) => !isDomainErrorCode(code))).toEqual([]);
    expect(DOMAIN_ERROR_CODES.filter((code) => !thrown.has(code))).toEqual([]);
  });

  it('does not compile a DomainError with a code outside it', () => {
    // @ts-expect-error 'no-such-code' is not a key of ERROR_CATALOGUE (npm test type-checks tests)
    const error = new DomainError('no-such-code', 'never');
    expect(isDomainErrorCode(error.code)).toBe(false);
  });
});

describe('the HTTP error handler', () => {
  it.each(DOMAIN_ERROR_CODES)('maps %s to the catalogue status', (code) => {
    const mapped = mapError(new DomainError(code, `secret detail of ${code}`, 'field.at.fault'));
    const { httpStatus } = errorEntry(code);
    expect(mapped.status).toBe(httpStatus);
    if (httpStatus === 500) {
      expect(mapped.body.error).toEqual({ code: 'internal', message: 'internal error; the details are in the daemon log' });
      expect(mapped.logLevel).toBe('error');
    } else if (httpStatus >= 500) {
      expect(mapped.body.error).toEqual({ code, message: errorEntry(code).publicMessage });
      expect(mapped.logLevel).toBe('warn');
    } else {
      expect(mapped.body.error).toEqual({ code, message: `secret detail of ${code}`, field: 'field.at.fault' });
      expect(mapped.logLevel).toBe('info');
    }
  });

  it('answers a code forced in at run time with a 500 that explains nothing', () => {
    const forced = new DomainError('invalid-request', 'x');
    Object.defineProperty(forced, 'code', { value: 'made-up' });
    expect(mapError(forced)).toMatchObject({ status: 500, body: { error: { code: 'internal' } } });
  });

  it('is what the API answers through fastify (no-such-step: 409, invalid-template: 422)', async () => {
    const { app, service } = await startApi();
    for (const code of ['no-such-step', 'invalid-template', 'not-running'] as const) {
      service.failure = new DomainError(code, `refused: ${code}`);
      const response = await app.inject({ method: 'POST', url: '/v1/analyses', payload: VALID_CREATE });
      expect(errorOf(response)).toMatchObject({ status: errorEntry(code).httpStatus, code, message: `refused: ${code}` });
    }
  });
});

describe('the CLI', () => {
  it.each(DOMAIN_ERROR_CODES)('exits with the catalogue exit code for %s', (code) => {
    expect(domainErrorExitCode(new DomainError(code, 'x'))).toBe(errorEntry(code).exitCode);
  });

  it('exits 4 (runtime) for a code forced in at run time', () => {
    const forced = new DomainError('invalid-request', 'x');
    Object.defineProperty(forced, 'code', { value: 'made-up' });
    expect(domainErrorExitCode(forced)).toBe(EXIT.runtime);
  });
});
