// `canaryd serve [--config FILE] [--port N]`: run the daemon until SIGTERM or SIGINT.
// Exit codes: 0 after a graceful shutdown, 2 invalid config or templates, 4 store unavailable or
// the address cannot be bound.

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { DomainError } from '../analysis/errors.js';
import { buildApp, StartupProblems, type ServingApp } from '../app.js';
import { buildThreadedApp } from '../thread/threaded-app.js';
import { loadConfigFile, loadConfigText, type ConfigLoadResult } from '../config/load.js';
import type { DaemonConfig } from '../config/schema.js';
import { formatProblem, type Problem } from '../template/problems.js';
import { lockStoreForDaemon } from '../store/registry.js';
import type { StoreLock } from '../store/plugin.js';
import { CliError, EXIT } from './common.js';
import type { CommandIo } from './io.js';

/** Shipped with the package; its relative paths are resolved against the working directory. */
export const EMBEDDED_CONFIG_PATH = fileURLToPath(new URL('../../config/default.yaml', import.meta.url));

export interface ServeOptions {
  /** Resolves with the signal's name when the daemon should stop (default: SIGTERM or SIGINT). */
  waitForShutdown?: () => Promise<string>;
  env?: NodeJS.ProcessEnv;
  /** Told the bound address once the daemon listens (tests and the demo use --port 0). */
  onListening?: (address: string) => void;
}

export function waitForSignal(signals: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT']): Promise<string> {
  return new Promise((resolve) => {
    const handlers = new Map<NodeJS.Signals, () => void>();
    for (const signal of signals) {
      const handler = (): void => {
        for (const [other, otherHandler] of handlers) process.off(other, otherHandler);
        resolve(signal);
      };
      handlers.set(signal, handler);
      process.once(signal, handler);
    }
  });
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(port) || port > 65_535) {
    throw new CliError(`--port: expected a port number 0-65535 (0 picks a free one), got "${value}"`);
  }
  return port;
}

async function loadServeConfig(file: string | undefined, env: NodeJS.ProcessEnv): Promise<ConfigLoadResult> {
  if (file !== undefined) return loadConfigFile(file, env);
  let text: string;
  try {
    text = await readFile(EMBEDDED_CONFIG_PATH, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    return { ok: false, problems: [{ file: EMBEDDED_CONFIG_PATH, line: 0, column: 0, message: `cannot read the embedded config (${code})` }] };
  }
  return loadConfigText(text, EMBEDDED_CONFIG_PATH, { baseDir: process.cwd(), env });
}

function invalid(io: CommandIo, problems: Problem[], what: string): CliError {
  for (const problem of problems) io.progress(formatProblem(problem));
  return new CliError(`${what}: ${problems.length} problem(s)`, EXIT.invalid);
}

function startupFailure(io: CommandIo, error: unknown): unknown {
  if (error instanceof StartupProblems) return invalid(io, error.problems, 'invalid templates');
  if (error instanceof DomainError && error.code === 'store-unavailable') return new CliError(error.message, EXIT.runtime);
  return error;
}

/** An uncaught error in the daemon's worker thread ends the process, as it would in one thread; a restart recovers. */
function exitOnWorkerCrash(error: Error): void {
  process.stderr.write(`canaryd: the daemon's worker thread failed: ${error.message}\n`);
  process.exit(EXIT.runtime);
}

async function startApp(config: DaemonConfig, io: CommandIo): Promise<ServingApp> {
  let app: ServingApp;
  try {
    app = config.server.engineThread === 'worker' ? await buildThreadedApp(config, { onCrash: exitOnWorkerCrash }) : await buildApp(config);
  } catch (error) {
    throw startupFailure(io, error);
  }
  try {
    await app.start();
    return app;
  } catch (error) {
    await app.close().catch(() => undefined);
    throw startupFailure(io, error);
  }
}

export function registerServe(program: Command, io: CommandIo, options: ServeOptions = {}): void {
  program
    .command('serve')
    .description('run the daemon: tick analyses, serve the verdict API and /metrics, until SIGTERM or SIGINT')
    .option('--config <file>', 'daemon config (default: the embedded config/default.yaml, paths relative to the working directory)')
    .option('--port <port>', 'listen on this port instead of server.port (0 picks a free port; the "listening" log line names it)')
    .action(async (flags: { config?: string; port?: string }) => {
      const port = flags.port === undefined ? undefined : parsePort(flags.port);
      const loaded = await loadServeConfig(flags.config, options.env ?? process.env);
      if (!loaded.ok) throw invalid(io, loaded.problems, 'invalid config');
      const config: DaemonConfig = port === undefined ? loaded.config : { ...loaded.config, server: { ...loaded.config.server, port } };

      let lock: StoreLock;
      try {
        lock = lockStoreForDaemon(config.store);
      } catch (error) {
        throw startupFailure(io, error);
      }
      try {
        await serveUntilSignal(config, io, options);
      } finally {
        lock.release();
      }
    });
}

async function serveUntilSignal(config: DaemonConfig, io: CommandIo, options: ServeOptions): Promise<void> {
  const app = await startApp(config, io);
  let address: string;
  try {
    address = await app.server.listen({ host: config.server.host, port: config.server.port });
  } catch (error) {
    await app.close();
    throw new CliError(`cannot listen on ${config.server.host}:${config.server.port}: ${(error as Error).message}`, EXIT.runtime);
  }
  app.logger.info({ address }, `listening on ${address}`);
  options.onListening?.(address);

  const signal = await (options.waitForShutdown ?? waitForSignal)();
  app.logger.info({ signal }, 'shutting down: no new ticks; finishing the tick and adapter calls in flight');
  await app.close();
  app.logger.info('stopped');
  io.setExitCode(EXIT.promote);
}
