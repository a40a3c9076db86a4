// Error messages of request validation, phrased to follow the field name: "target.service: required".

import { z } from 'zod';

/** "required" when the field is absent, otherwise "must be <what>". */
export function expected(what: string): (issue: { input?: unknown }) => string {
  return (issue) => (issue.input === undefined ? 'required' : `must be ${what}`);
}

/** A non-empty string (surrounding whitespace is trimmed) of at most `max` characters. */
export function requiredText(max: number) {
  return z
    .string({ error: expected('a string') })
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`);
}
