// Runs the built `canaryd` binary as a real process (npm test builds dist/ first).

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CANARYD_BIN = fileURLToPath(new URL('../../bin/canaryd.js', import.meta.url));

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCanaryd(args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliRun> {
  if (!existsSync(new URL('../../dist/main.js', import.meta.url))) {
    throw new Error('dist/main.js is missing: run `npm run build` first (npm test does)');
  }
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [CANARYD_BIN, ...args],
      { cwd: REPO_ROOT, env: { ...process.env, ...options.env }, timeout: options.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(error);
          return;
        }
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
  });
}
