// `promtool check metrics` on an exposition text (promtool comes with the prometheus package).

import { spawn } from 'node:child_process';

export function promtoolCheckMetrics(text: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'ENOENT' ? new Error('promtool is not on PATH (Debian package "prometheus")') : error),
    );
    child.once('close', (code) => resolve({ code, output }));
    child.stdin.end(text);
  });
}
