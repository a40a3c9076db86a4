// fastify gives every request a child logger (its reqId bound). With pino's redaction configured, a
// child costs a tenth of a verdict poll — for a logger that most requests never write to (request
// lines are logged only for failures, slow requests or at debug). This factory hands out a logger
// that makes the real child on its first use, with the same bindings and options.

import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions, LevelWithSilentOrString } from 'pino';

type LogMethod = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
type Forwarded = (this: FastifyBaseLogger, ...args: unknown[]) => void;

export function lazyChildLoggerFactory(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  let child: FastifyBaseLogger | undefined;
  const real = (): FastifyBaseLogger => {
    child ??= logger.child(bindings, options);
    return child;
  };
  const forward =
    (method: LogMethod) =>
    (...args: unknown[]): void => {
      const target = real();
      (target[method] as Forwarded).apply(target, args);
    };
  const lazy = {
    get level(): LevelWithSilentOrString {
      return child?.level ?? options.level ?? logger.level;
    },
    set level(level: LevelWithSilentOrString) {
      real().level = level;
    },
    fatal: forward('fatal'),
    error: forward('error'),
    warn: forward('warn'),
    info: forward('info'),
    debug: forward('debug'),
    trace: forward('trace'),
    silent: forward('silent'),
    child: (childBindings: Bindings, childOptions?: ChildLoggerOptions) => real().child(childBindings, childOptions),
  };
  return lazy as FastifyBaseLogger;
}
