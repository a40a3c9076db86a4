// The `canaryd` CLI against a running daemon: the built binary talks to `canaryd serve` (a real
// process with auth tokens and policies), a real Prometheus and a webhook receiver. Watching an
// analysis to its end, describing it, manual actions, approvals, every kind of bad input, and a
// trail tampered with in the SQLite file that `events verify` catches.

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CANARYD_BIN, REPO_ROOT, runCanaryd, type CliRun } from '../helpers/cli.js';
import { addControl, call, secretFragments, startEchoSource, type ControlConfig, type EchoSource, type PrincipalKey } from './control-stack.js';
import { startDaemon, type DaemonProcess } from './daemon-harness.js';
import { FAST_STEPS, FAST_TEMPLATE, PROMOTE_RULE } from './fast-template.js';
import { waitFor } from './polling.js';
import { ADAPTER, healthyService, startTrafficStack, writeDaemonConfig, type TrafficStack, type WrittenConfig } from './traffic-stack.js';

const SERVICES = ['scoped', 'watched', 'paused', 'prod', 'restarted', 'tampered'];

interface Created {
  id: string;
  phase: string;
}

describe('canaryd CLI against a running daemon', () => {
  let stack: TrafficStack;
  let echo: EchoSource;
  let config: WrittenConfig;
  let control: ControlConfig;
  let daemon: DaemonProcess;
  const outputs: string[] = [];

  const tokenFile = (who: PrincipalKey) => join(stack.dir, `token-${who}`);
  /** Runs the CLI as `who` (a token file) against the daemon, keeping its output for the secret scan. */
  async function cli(args: string[], who: PrincipalKey | null = 'alice', env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<CliRun> {
    const auth = who === null ? [] : ['--token-file', tokenFile(who)];
    const run = await runCanaryd([...args, '--server', daemon.url, ...auth], { env: { CANARYD_SERVER: '', CANARYD_TOKEN: '', ...env }, timeoutMs });
    outputs.push(run.stdout, run.stderr);
    return run;
  }
  async function create(service: string, environment: string): Promise<Created> {
    const body = { template: FAST_TEMPLATE, args: { service }, mode: 'drive', adapter: ADAPTER, target: { service, environment, version: 'v2' } };
    const answer = await call(daemon.url, 'POST', '/v1/analyses', control.tokens.argo, body);
    if (answer.status !== 201) throw new Error(`create ${service}: ${answer.status} ${answer.text}`);
    return answer.body as unknown as Created;
  }
  const phaseOf = async (id: string): Promise<string> => String((await call(daemon.url, 'GET', `/v1/analyses/${id}`, control.tokens.alice)).body.phase);
  function expectNoStack(run: CliRun): void {
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stderr).not.toContain('internal error');
  }

  beforeAll(async () => {
    stack = await startTrafficStack(SERVICES.map(healthyService));
    echo = await startEchoSource();
    config = await writeDaemonConfig({ dir: stack.dir, prometheusUrl: stack.prometheus.url, receiverUrl: stack.receiver.url, secretFile: stack.secretFile });
    control = await addControl(config, stack.dir, echo);
    daemon = await startDaemon(config.file, { url: config.url });
  });

  afterAll(async () => {
    await daemon?.stop();
    await echo?.close();
    await stack?.stop();
  });

  it('bad input (more without a daemon in test/integration/cli-remote-input.test.ts): no token or a wrong one (401, 4), a missing scope (403, 4), an unknown id (404, 4) — one line on stderr, no stack', async () => {
    const anonymous = await cli(['list'], null);
    expect(anonymous.code).toBe(4);
    expect(anonymous.stderr).toMatch(/^canaryd: unauthenticated: missing Authorization: Bearer <token>.*; give --token-file FILE or set CANARYD_TOKEN\n$/);
    expectNoStack(anonymous);

    const wrongToken = await cli(['list'], null, { CANARYD_TOKEN: 'not-a-token-the-daemon-knows' });
    expect(wrongToken.code).toBe(4);
    expect(wrongToken.stderr).toContain('unknown bearer token');
    expect(wrongToken.stderr).toContain('check the token in $CANARYD_TOKEN');
    expect(wrongToken.stderr).not.toContain('not-a-token-the-daemon-knows');

    const fromEnv = await runCanaryd(['list', '--output', 'json'], { env: { CANARYD_SERVER: daemon.url, CANARYD_TOKEN: control.tokens.alice } });
    expect(fromEnv.code).toBe(0);
    expect(JSON.parse(fromEnv.stdout)).toHaveProperty('analyses');

    const missingFile = await cli(['list', '--token-file', join(stack.dir, 'no-such-token')], null);
    expect(missingFile.code).toBe(2);
    expect(missingFile.stderr).toContain('--token-file: cannot read');

    const created = await create('scoped', 'staging');
    const noScope = await cli(['pause', created.id, '--reason', 'argo may not act'], 'argo');
    expect(noScope.code).toBe(4);
    expect(noScope.stderr).toMatch(/^canaryd: forbidden: principal argo-rollouts lacks the scope actions \(has: read, analyses:create\)\n$/);
    expectNoStack(noScope);
    expect(await phaseOf(created.id)).not.toBe('paused');

    const unknown = await cli(['get', 'analysis', 'no-such-analysis']);
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toMatch(/^canaryd: not-found: .*no-such-analysis/);
    expectNoStack(unknown);

    const noReason = await cli(['pause', created.id, '--reason', '  ']);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain('--reason');

    const badPhase = await cli(['list', '--phase', 'sleeping']);
    expect(badPhase.code).toBe(2);
    expect(badPhase.stderr).toContain('--phase: expected one of pending, running');

    const badOutput = await cli(['list', '--output', 'yaml']);
    expect(badOutput.code).toBe(2);
  });

  it('get analysis --watch follows a healthy canary to succeeded (exit 0); describe shows its steps and every promote with the values it read; events verify: intact', async () => {
    const created = await create('watched', 'staging');
    const watch = await cli(['get', 'analysis', created.id, '--watch', '--interval', '200ms', '--timeout', '100s'], 'alice', {}, 120_000);
    expect(watch.stderr).toBe('');
    expect(watch.code).toBe(0);
    const lines = watch.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^AT\s+PHASE\s+STEP\s+VERDICT\s+RULE$/);
    expect(lines[lines.length - 1]).toMatch(new RegExp(`\\ssucceeded\\s+3/3 \\(100%\\)\\s+promote\\s+${PROMOTE_RULE}$`));
    expect(lines.some((line) => /\srunning\s+2\/3 \(50%\)/.test(line))).toBe(true);

    const get = await cli(['get', 'analysis', created.id]);
    expect(get.code).toBe(0);
    expect(get.stdout).toMatch(new RegExp(`^Name:\\s+${created.id}$`, 'm'));
    expect(get.stdout).toMatch(/^Phase:\s+succeeded$/m);
    expect(get.stdout).toMatch(/^Target:\s+watched \/ staging \/ v2$/m);
    expect(get.stdout).toMatch(/^Created by:\s+argo-rollouts$/m);

    const describeRun = await cli(['describe', 'analysis', created.id]);
    expect(describeRun.code).toBe(0);
    const text = describeRun.stdout;
    for (const [index, weight] of FAST_STEPS.entries()) {
      expect(text).toMatch(new RegExp(`^  ${index + 1}\\s+${weight}%\\s+(passed|complete)\\s`, 'm'));
    }
    const promotes = text.split('\n').filter((line) => /^ {2}\S+\s+promote\s+1→2\s+healthy\s+error_rate\.canary=/.test(line));
    expect(promotes).toHaveLength(1);
    expect(text).toMatch(/^ {2}\S+\s+complete\s+3\s+healthy\s+error_rate\.canary=[0-9.e-]+\s/m);
    expect(text).toMatch(/^ {2}error_rate\s+\S+\s+\S+/m);
    expect(text).toMatch(/^ {2}healthy\s+promote\s+error_rate\.canary <= 5%\s+true\s+error_rate\.canary=/m);

    const describeJson = await cli(['describe', 'analysis', created.id, '--output', 'json']);
    const document = JSON.parse(describeJson.stdout) as { analysis: { id: string; phase: string }; events: Array<{ seq: number }> };
    const served = await call(daemon.url, 'GET', `/v1/analyses/${created.id}/events`, control.tokens.alice);
    expect(document.analysis).toMatchObject({ id: created.id, phase: 'succeeded' });
    expect(document.events).toEqual(served.body.events);

    const verify = await cli(['events', 'verify', created.id]);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toBe(
      `analysis ${created.id}: ${document.events.length} events, chain intact (last hash ${String((served.body.events as Array<{ hash: string }>).at(-1)?.hash)})\n`,
    );

    const list = await cli(['list', '--phase', 'succeeded']);
    expect(list.code).toBe(0);
    const [header, ...rows] = list.stdout.trim().split('\n');
    expect(header).toMatch(/^NAME\s+TEMPLATE\s+SERVICE\s+ENVIRONMENT\s+VERSION\s+MODE\s+PHASE\s+STEP\s+VERDICT\s+RULE$/);
    expect(rows.find((row) => row.startsWith(`${created.id} `))).toMatch(/\swatched\s+staging\s+v2\s+drive\s+succeeded\s+3\/3 \(100%\)\s+promote\s+healthy$/);
    const listJson = await cli(['list', '--phase', 'succeeded', '--output', 'json']);
    const servedList = await call(daemon.url, 'GET', '/v1/analyses?phase=succeeded', control.tokens.alice);
    expect(JSON.parse(listJson.stdout)).toEqual(servedList.body);
  });

  it('pause, watch with --timeout (exit 3), resume, abort (watch exits 1); each action names its actor in the trail', async () => {
    const created = await create('paused', 'staging');
    const paused = await cli(['pause', created.id, '--reason', 'looking at a dashboard']);
    expect(paused.code).toBe(0);
    expect(paused.stdout).toMatch(new RegExp(`^analysis ${created.id}: pause accepted, now paused at step \\d/3 \\(\\d+%\\)\n$`));

    const stuck = await cli(['get', 'analysis', created.id, '--watch', '--interval', '100ms', '--timeout', '1s']);
    expect(stuck.code).toBe(3);
    expect(stuck.stderr).toBe(`canaryd: analysis ${created.id} is still paused after --timeout 1s\n`);
    expect(stuck.stdout.trim().split('\n')).toHaveLength(2);

    const again = await cli(['pause', created.id, '--reason', 'twice']);
    expect(again.code).toBe(4);
    expect(again.stderr).toMatch(/^canaryd: invalid-transition: /);

    expect((await cli(['resume', created.id, '--reason', 'dashboard is fine'])).code).toBe(0);
    expect(await phaseOf(created.id)).toBe('running');
    const aborted = await cli(['abort', created.id, '--reason', 'wrong build', '--output', 'json']);
    expect(aborted.code).toBe(0);
    expect(JSON.parse(aborted.stdout)).toMatchObject({ id: created.id, phase: 'aborted' });

    const watch = await cli(['get', 'analysis', created.id, '--watch', '--interval', '100ms', '--output', 'json']);
    expect(watch.code).toBe(1);
    const last = JSON.parse(watch.stdout.trim().split('\n').at(-1) ?? '{}') as { phase: string; decidedBy: { id: string } };
    expect(last).toMatchObject({ phase: 'aborted', decidedBy: { id: 'manual' } });

    const history = (await cli(['describe', 'analysis', created.id])).stdout;
    expect(history).toMatch(/^ {2}\S+\s+pause\s+\d\s+manual\s+-\s+manual pause by alice at step \d of 3: looking at a dashboard$/m);
    expect(history).toMatch(/^ {2}\S+\s+resume\s+\d\s+manual\s+-\s+manual resume by alice at step \d of 3: dashboard is fine$/m);
    expect(history).toMatch(/^ {2}\S+\s+abort\s+\d\s+manual\s+-\s+manual abort by alice at step \d of 3: wrong build$/m);
  });

  it('approvals --pending lists a production advance; approve needs the approve scope and another principal; the policy denies a manual promote', async () => {
    const created = await create('prod', 'production');
    expect(created.phase).toBe('awaiting-approval');
    const approvalId = await waitFor(
      'a pending approval',
      async () => {
        const run = await cli(['approvals', '--pending', '--output', 'json']);
        const approvals = (JSON.parse(run.stdout) as { approvals: Array<{ id: string; analysisId: string }> }).approvals;
        return approvals.find((approval) => approval.analysisId === created.id)?.id;
      },
      { timeoutMs: 10_000, intervalMs: 200 },
    );

    const table = await cli(['approvals', '--pending']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^ID\s+ANALYSIS\s+ACTION\s+SERVICE\s+ENVIRONMENT\s+VERSION\s+WEIGHT\s+STATE\s+REQUESTED BY\s+APPROVERS\s+EXPIRES$/m);
    expect(table.stdout).toMatch(
      new RegExp(
        `^${approvalId}\\s+${created.id}\\s+set-weight\\s+prod\\s+production\\s+v2\\s+\\d+→10%\\s+pending\\s+argo-rollouts\\s+alice,ops-admin,carol\\s`,
        'm',
      ),
    );

    const denied = await cli(['promote', created.id, '--reason', 'skip the wait']);
    expect(denied.code).toBe(4);
    expect(denied.stderr).toMatch(/^canaryd: (policy-denied|invalid-transition): /);

    const noScope = await cli(['approve', approvalId, '--reason', 'lgtm'], 'stager');
    expect(noScope.code).toBe(4);
    expect(noScope.stderr).toContain('lacks the scope approve');

    const approved = await cli(['approve', approvalId, '--reason', 'change ticket CHG-42']);
    expect(approved.code).toBe(0);
    expect(approved.stdout).toBe(`approval ${approvalId}: approved by alice (set-weight of analysis ${created.id} to 10%)\n`);
    const twice = await cli(['reject', approvalId, '--reason', 'too late']);
    expect(twice.code).toBe(4);
    expect(twice.stderr).toMatch(/^canaryd: approval-decided: /);

    const history = (await cli(['describe', 'analysis', created.id])).stdout;
    expect(history).toMatch(
      new RegExp(`^ {2}\\S+\\s+approval-approved\\s+-\\s+-\\s+-\\s+${approvalId} set-weight to 10% by alice: change ticket CHG-42$`, 'm'),
    );
    expect((await cli(['abort', created.id, '--reason', 'done testing'])).code).toBe(0);
  });

  it('get analysis --watch rides out a daemon restart and ends with the analysis (exit 1 after an abort)', async () => {
    const created = await create('restarted', 'staging');
    expect((await cli(['pause', created.id, '--reason', 'hold still for the restart'])).code).toBe(0);
    const args = [
      CANARYD_BIN,
      'get',
      'analysis',
      created.id,
      '--watch',
      '--interval',
      '200ms',
      '--timeout',
      '90s',
      '--server',
      daemon.url,
      '--token-file',
      tokenFile('alice'),
    ];
    const child = spawn(process.execPath, args, {
      cwd: REPO_ROOT,
      env: { ...process.env, CANARYD_SERVER: '', CANARYD_TOKEN: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await waitFor('the watch to show the paused analysis', async () => (/\spaused\s/.test(stdout) ? true : undefined), {
        timeoutMs: 15_000,
        intervalMs: 50,
        lastSeen: () => stdout + stderr,
      });
      await daemon.stop();
      await waitFor('the watch to notice the daemon is gone', async () => (stderr.includes('retrying for up to 30s') ? true : undefined), {
        timeoutMs: 15_000,
        intervalMs: 50,
        lastSeen: () => stderr,
      });
      daemon = await startDaemon(config.file, { url: config.url });
      expect((await cli(['abort', created.id, '--reason', 'after the restart'])).code).toBe(0);
      expect(await exited).toBe(1);
    } finally {
      child.kill('SIGKILL');
      outputs.push(stdout, stderr);
    }
    // Stopping, the daemon may answer 503 for a moment before its port closes.
    const outage = `(cannot reach the daemon at ${daemon.url}: connection refused \\(ECONNREFUSED\\)|(store-unavailable|not-ready): [^\n]+)`;
    expect(stderr).toMatch(new RegExp(`^canaryd: ${outage}; retrying for up to 30s\ncanaryd: the daemon answers again\n$`));
    expect(stdout.trim().split('\n').at(-1)).toMatch(/\saborted\s+\d\/3 \(\d+%\)\s+abort\s+manual$/);
  });

  it('events verify exits 1 naming the first broken event once the SQLite file was edited behind the daemon', async () => {
    const created = await create('tampered', 'staging');
    expect((await cli(['abort', created.id, '--reason', 'ended before tampering'])).code).toBe(0);
    const before = await cli(['events', 'verify', created.id, '--output', 'json']);
    expect(before.code).toBe(0);
    const intact = JSON.parse(before.stdout) as { events: number; intact: boolean };
    expect(intact.intact).toBe(true);
    expect(intact.events).toBeGreaterThanOrEqual(3);

    await daemon.stop();
    const db = new Database(config.storePath);
    try {
      db.exec('DROP TRIGGER events_no_update');
      const row = db
        .prepare<[string], { seq: number; type: string }>("SELECT seq, type FROM events WHERE analysis_id = ? AND type = 'manual-action'")
        .get(created.id);
      expect(row).toBeDefined();
      const changed = db
        .prepare("UPDATE events SET payload = json_set(payload, '$.reason', 'nothing to see') WHERE analysis_id = ? AND seq = ?")
        .run(created.id, row?.seq);
      expect(changed.changes).toBe(1);
    } finally {
      db.close();
    }
    daemon = await startDaemon(config.file, { url: config.url });

    const tampered = await manualActionSeq(created.id);
    const verify = await cli(['events', 'verify', created.id]);
    expect(verify.code).toBe(1);
    expect(verify.stdout).toMatch(
      new RegExp(`^analysis ${created.id}: chain BROKEN at event ${tampered} \\(manual-action, \\S+\\): hash [0-9a-f]{64} does not match the event's content`),
    );
    expect(verify.stderr).toBe(`canaryd: the event trail of analysis ${created.id} is broken at event seq ${tampered} (manual-action)\n`);
    const json = await cli(['events', 'verify', created.id, '--output', 'json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ analysisId: created.id, intact: false, broken: { seq: tampered, type: 'manual-action' } });
  });

  it('no token, not even a fragment, in anything the CLI printed', () => {
    expect(outputs.length).toBeGreaterThan(20);
    expect(secretFragments(outputs.join('\n'), Object.values(control.tokens))).toEqual([]);
  });

  async function manualActionSeq(id: string): Promise<number> {
    const events = (await call(daemon.url, 'GET', `/v1/analyses/${id}/events`, control.tokens.alice)).body.events as Array<{ seq: number; type: string }>;
    const event = events.find((candidate) => candidate.type === 'manual-action');
    if (event === undefined) throw new Error(`analysis ${id} has no manual-action event`);
    return event.seq;
  }
});
