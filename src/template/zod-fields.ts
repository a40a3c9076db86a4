// zod fields shared by the template and the daemon config schemas.

import { z } from 'zod';
import { parseDuration } from '../analysis/duration.js';

/**
 * A Prometheus duration ("30s", "1h30m"; a bare 0 is allowed) parsed to milliseconds.
 * With `positive`, zero is refused.
 */
export function durationMs(options: { positive?: boolean } = {}) {
  return z.union([z.string(), z.number()]).transform((raw, ctx) => {
    const ms = typeof raw === 'number' ? (raw === 0 ? 0 : null) : parseDuration(raw);
    if (ms === null) {
      const hint = typeof raw === 'number' ? ' (give a unit, e.g. 30s)' : '';
      ctx.addIssue({ code: 'custom', input: raw, message: `invalid duration ${JSON.stringify(raw)}: expected e.g. 30s, 5m, 1h30m${hint}` });
      return z.NEVER;
    }
    if (options.positive === true && ms <= 0) {
      ctx.addIssue({ code: 'custom', input: raw, message: 'must be a duration greater than 0' });
      return z.NEVER;
    }
    return ms;
  });
}
