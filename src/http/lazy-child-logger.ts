// fastify gives every request a child logger (its reqId bound). With pino's redaction configured, a
// child costs a tenth of a verdict poll — for a logger that most requests never write to (request
// lines are logged only for failures, slow requests or at debug). lazyChildren(logger) is the logger
// fastify is given: its children, and theirs, make the real pino child on their first use, with the
// same bindings and options.
//
// It is given as fastify's loggerInstance rather than as a childLoggerFactory: fastify checks the
// logger a custom factory returns on every request (seven keyed method lookups, a megamorphic
// inline cache: ≈ 5% of a poll's instructions), and only its default factory (logger.child) is exempt.

import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions, LevelWithSilentOrString } from 'pino';

type Forwarded = (this: FastifyBaseLogger, ...args: unknown[]) => void;
type Method = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Methods on the prototype: a request that never logs costs one small object. */
class LazyLogger {
  private made: FastifyBaseLogger | undefined;

  /** Without `bindings`, this is `source` itself (the root); with them, a child of it made on first use. */
  constructor(
    private readonly source: LazyLogger | FastifyBaseLogger,
    private readonly bindings?: Bindings,
    private readonly options?: ChildLoggerOptions,
  ) {}

  get level(): LevelWithSilentOrString {
    return this.made?.level ?? this.options?.level ?? this.source.level;
  }

  set level(level: LevelWithSilentOrString) {
    this.real().level = level;
  }

  /** pino's level table (fastify reads it to check a route's logLevel). */
  get levels(): unknown {
    return (this.real() as unknown as { levels: unknown }).levels;
  }

  fatal(...args: unknown[]): void {
    this.forward('fatal', args);
  }
  error(...args: unknown[]): void {
    this.forward('error', args);
  }
  warn(...args: unknown[]): void {
    this.forward('warn', args);
  }
  info(...args: unknown[]): void {
    this.forward('info', args);
  }
  debug(...args: unknown[]): void {
    this.forward('debug', args);
  }
  trace(...args: unknown[]): void {
    this.forward('trace', args);
  }
  silent(...args: unknown[]): void {
    this.forward('silent', args);
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return new LazyLogger(this, bindings, options ?? {}) as unknown as FastifyBaseLogger;
  }

  real(): FastifyBaseLogger {
    if (this.made === undefined) {
      const parent = this.source instanceof LazyLogger ? this.source.real() : this.source;
      this.made = this.bindings === undefined ? parent : parent.child(this.bindings, this.options);
    }
    return this.made;
  }

  private forward(method: Method, args: unknown[]): void {
    const target = this.real();
    (target[method] as Forwarded).apply(target, args);
  }
}

/** `logger`, whose children (and theirs) are made on first use; give it to fastify as loggerInstance. */
export function lazyChildren(logger: FastifyBaseLogger): FastifyBaseLogger {
  return new LazyLogger(logger) as unknown as FastifyBaseLogger;
}
