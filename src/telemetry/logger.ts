// The root pino logger: JSON lines, secrets redacted by field path and by value.
import { pino, type Logger as PinoLogger, type LoggerOptions } from 'pino';

import { createSecretScrubber, REDACTED, type SecretScrubber } from './secret-scrubber.js';

export type Logger = PinoLogger;

export interface LoggerOptionsInput {
  /** pino level: trace, debug, info, warn, error, fatal or silent. */
  level: string;
  /** Where JSON lines go; stdout when absent. */
  destination?: NodeJS.WritableStream;
  /** Resolved secret values (webhook secrets, bearer tokens, ...) that must never be printed. */
  redactValues?: string[];
}

const SECRET_KEYS = ['authorization', 'Authorization', 'token', 'accessToken', 'bearerToken', 'password', 'secret', 'apiKey', 'cookie'];

/**
 * Field paths whose values are replaced whatever they hold, at the top level, one and two levels
 * down (`*.secret`, `*.*.secret`: e.g. `adapters.deployer.secret`) and inside `headers`.
 */
export const REDACTED_PATHS: readonly string[] = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((key) => `*.${key}`),
  ...SECRET_KEYS.map((key) => `*.*.${key}`),
  'headers.authorization',
  'headers.Authorization',
  'headers.cookie',
  'headers["canaryd-signature"]',
  'headers["Canaryd-Signature"]',
  '*.headers.authorization',
  '*.headers.Authorization',
  '*.headers.cookie',
  '*.headers["canaryd-signature"]',
  '*.headers["Canaryd-Signature"]',
];

const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);

export function createLogger(options: LoggerOptionsInput): Logger {
  if (!LEVELS.has(options.level)) {
    throw new Error(`unknown log level "${options.level}" (one of ${[...LEVELS].join(', ')})`);
  }
  const scrubber = createSecretScrubber(options.redactValues ?? []);
  const pinoOptions: LoggerOptions = {
    level: options.level,
    base: { service: 'canaryd' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label) => ({ level: label }),
      // Child bindings (`logger.child({ ... })`) do not pass through logMethod.
      bindings: (bindings) => scrubber.scrubRecord(bindings),
    },
    redact: { paths: [...REDACTED_PATHS], censor: REDACTED },
    hooks: {
      logMethod(args, method) {
        // Scrubbing the arguments before pino formats them also covers printf-style
        // interpolation and JSON escaping of the secret.
        const scrubbed = args.map((arg: unknown) => scrubber.scrub(arg)) as Parameters<typeof method>;
        method.apply(this, scrubbed);
      },
    },
  };
  const destination = options.destination ?? pino.destination(1);
  return pino(pinoOptions, guardStream(destination, scrubber));
}

/**
 * Last line of defence: whatever reached the serialized line by a path the hooks do not see
 * (a serializer, a mixin) is scrubbed there too, in raw and JSON-escaped form.
 */
function guardStream(destination: NodeJS.WritableStream | pino.DestinationStream, scrubber: SecretScrubber): pino.DestinationStream {
  if (!scrubber.active) return destination;
  const flushable = destination as pino.DestinationStream & { flush?: (callback?: (error?: Error) => void) => void };
  return {
    write(line: string): void {
      destination.write(scrubber.scrubSerialized(line));
    },
    // logger.flush() and pino's exit handling look for these on the stream.
    ...(typeof flushable.flush === 'function' ? { flush: (callback?: (error?: Error) => void) => flushable.flush?.(callback) } : {}),
  } as pino.DestinationStream;
}
