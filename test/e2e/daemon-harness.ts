// Runs `canaryd serve --config FILE` as a real process (the built binary): waits for /readyz, keeps
// its output, and always stops it — through stop(), or SIGKILL when the test process exits.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { CANARYD_BIN, REPO_ROOT } from '../helpers/cli.js';
import { waitFor } from './polling.js';

export interface DaemonExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface DaemonProcess {
  url: string;
  pid: number;
  /** Sends a signal; resolves when the process has exited (SIGKILL after timeoutMs if it has not). */
  kill(signal: NodeJS.Signals, timeoutMs?: number): Promise<DaemonExit>;
  /** SIGTERM, then SIGKILL after a grace period; idempotent. */
  stop(): Promise<DaemonExit>;
  /** stdout and stderr so far (pino JSON lines on stdout). */
  logs(): string;
  stderr(): string;
  exited(): DaemonExit | null;
}

export interface StartDaemonOptions {
  /** The daemon's base URL (its config's server.host:port). */
  url: string;
  env?: NodeJS.ProcessEnv;
  readyTimeoutMs?: number;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

function exitOf(child: ChildProcess): Promise<DaemonExit> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

async function isReady(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1_000) });
    return response.status === 200;
  } catch {
    return false;
  }
}

export async function startDaemon(configFile: string, options: StartDaemonOptions): Promise<DaemonProcess> {
  if (!existsSync(new URL('../../dist/main.js', import.meta.url))) {
    throw new Error('dist/main.js is missing: run `npm run build` first (npm test does)');
  }
  const child = spawn(process.execPath, [CANARYD_BIN, 'serve', '--config', configFile], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  installExitHook();
  let output = '';
  let errors = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    errors += chunk.toString();
  });
  const exit = exitOf(child);
  let exitedWith: DaemonExit | null = null;
  void exit.then((result) => {
    exitedWith = result;
    running.delete(child);
  });

  const kill = async (signal: NodeJS.Signals, timeoutMs = 10_000): Promise<DaemonExit> => {
    if (exitedWith !== null) return exitedWith;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const result = await exit;
    clearTimeout(timer);
    return result;
  };
  const daemon: DaemonProcess = {
    url: options.url,
    pid: child.pid ?? -1,
    kill,
    stop: () => kill('SIGTERM'),
    logs: () => output,
    stderr: () => errors,
    exited: () => exitedWith,
  };

  try {
    await waitFor(
      'canaryd serve to answer /readyz with 200',
      async () => {
        if (exitedWith !== null) {
          throw new Error(`canaryd serve exited (${JSON.stringify(exitedWith)}) before it was ready:\n${output.slice(-4_000)}`);
        }
        return (await isReady(options.url)) ? true : undefined;
      },
      { timeoutMs: options.readyTimeoutMs ?? 20_000, intervalMs: 100 },
    );
  } catch (error) {
    await kill('SIGKILL');
    throw error;
  }
  return daemon;
}

/** The pino JSON lines of a daemon's output (other lines are skipped). */
export function logRecords(output: string): Array<Record<string, unknown>> {
  const records: Array<Record<string, unknown>> = [];
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      records.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // a partial line at the end of the buffer
    }
  }
  return records;
}
