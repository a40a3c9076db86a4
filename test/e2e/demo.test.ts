// The README's first command: the demo ends with the healthy canary promoted and the bad one rolled back.

import { describe, expect, it } from 'vitest';
import { runCanaryd } from '../helpers/cli.js';

describe('canaryd demo', () => {
  it('promotes the healthy canary through every step and rolls back the bad one, then exits 0', async () => {
    const run = await runCanaryd(['demo', '--timeout', '150'], { timeoutMs: 200_000 });
    expect(run.stdout).toContain('demo ok');
    expect(run.stdout).toMatch(/checkout\s+SUCCEEDED\s+rule promote\/healthy/);
    expect(run.stdout).toContain('deployer received: set-weight 10, set-weight 25, set-weight 50, set-weight 100, complete');
    expect(run.stdout).toMatch(/payments\s+ABORTED\s+rule abort\/error-spike/);
    expect(run.stdout).toMatch(/deployer received: set-weight 10, rollback/);
    expect(run.code).toBe(0);
  }, 210_000);
});
