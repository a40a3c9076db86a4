// The release manager's story from the CLI alone (issue 9), against `canaryd serve` as a process
// with auth and a production policy, a real Prometheus and a webhook receiver: post an eval check,
// approve the completion of v1, see a failing eval block v2 in its gate report, list the releases,
// describe one, roll back to v1 with a reason, and verify the trail.

import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCanaryd, type CliRun } from '../helpers/cli.js';
import { call, secretFragments } from './control-stack.js';
import { startDaemon, type DaemonProcess } from './daemon-harness.js';
import { fastTemplateYaml } from './fast-template.js';
import { waitFor } from './polling.js';
import { waitForHook } from './recording-receiver.js';
import { ADAPTER, healthyService, startTrafficStack, writeDaemonConfig, type TrafficStack, type WrittenConfig } from './traffic-stack.js';

const SERVICE = 'shop';
const ENVIRONMENT = 'production';
const TEMPLATE = 'e2e-checked';
const USERS = {
  ci: { name: 'ci-pipeline', scopes: ['read', 'analyses:create', 'checks:write'] },
  rm: { name: 'release-manager', scopes: ['read', 'actions', 'approve', 'releases:rollback'] },
  reader: { name: 'auditor', scopes: ['read'] },
} as const;
type User = keyof typeof USERS;

/** The e2e template with an eval check every promotion needs, and owners for the gate report. */
function checkedTemplate(): string {
  // maxDuration 10m: v2 waits for a passing eval for the whole test and must not time out meanwhile.
  const yaml = fastTemplateYaml({ name: TEMPLATE, maxDuration: '10m' })
    .replace(`  name: ${TEMPLATE}\n`, `  name: ${TEMPLATE}\n  owners: { release: release-managers, eval: ml-evals }\n`)
    .replace('spec:\n', 'spec:\n  checks:\n    - name: eval\n      fields: { task_success: number, pii_leakage: number }\n')
    .replace(
      '        when: error_rate.canary <= 5%\n',
      '        when: [error_rate.canary <= 5%, checks.eval.task_success >= 0.85, checks.eval.pii_leakage == 0]\n',
    );
  if (!yaml.includes('checks.eval.task_success')) throw new Error('the fast template changed: the promote rule was not rewritten');
  return yaml;
}

describe('canaryd CLI: release records, checks, gate report and rollback', () => {
  let stack: TrafficStack;
  let config: WrittenConfig;
  let daemon: DaemonProcess;
  const tokens = {} as Record<User, string>;
  const outputs: string[] = [];
  let v1 = '';
  let v2 = '';

  async function cli(args: string[], who: User = 'rm', timeoutMs = 60_000): Promise<CliRun> {
    const run = await runCanaryd([...args, '--server', daemon.url, '--token-file', join(stack.dir, `token-${who}`)], {
      env: { CANARYD_SERVER: '', CANARYD_TOKEN: '' },
      timeoutMs,
    });
    outputs.push(run.stdout, run.stderr);
    return run;
  }
  async function create(version: string, previousVersion?: string): Promise<string> {
    const body = {
      template: TEMPLATE,
      args: { service: SERVICE },
      mode: 'drive',
      adapter: ADAPTER,
      target: { service: SERVICE, environment: ENVIRONMENT, version },
      artifact: `sha256:${version}0000`,
      ...(previousVersion === undefined ? {} : { previousVersion }),
    };
    const answer = await call(daemon.url, 'POST', '/v1/analyses', tokens.ci, body);
    if (answer.status !== 201) throw new Error(`create ${version}: ${answer.status} ${answer.text}`);
    return String(answer.body.id);
  }

  beforeAll(async () => {
    stack = await startTrafficStack([healthyService(SERVICE)]);
    config = await writeDaemonConfig({ dir: stack.dir, prometheusUrl: stack.prometheus.url, receiverUrl: stack.receiver.url, secretFile: stack.secretFile });
    const document = parse(await readFile(config.file, 'utf8')) as Record<string, unknown>;
    const entries = [];
    for (const [key, user] of Object.entries(USERS) as Array<[User, (typeof USERS)[User]]>) {
      tokens[key] = `${key}-${randomBytes(16).toString('hex')}`;
      const file = join(stack.dir, `token-${key}`);
      await writeFile(file, `${tokens[key]}\n`, { mode: 0o600 });
      entries.push({ ...user, tokenFile: file });
    }
    document.auth = { tokens: entries };
    document.policies = [
      {
        id: 'prod-complete-needs-approval',
        match: { environment: ENVIRONMENT, action: ['complete'] },
        decision: 'REQUIRE_APPROVAL',
        approvers: [USERS.rm.name],
        expires: '15m',
      },
    ];
    await writeFile(config.file, stringify(document));
    await writeFile(join(config.templatesDir, `${TEMPLATE}.yaml`), checkedTemplate());
    daemon = await startDaemon(config.file, { url: config.url });
  });

  afterAll(async () => {
    await daemon?.stop();
    await stack?.stop();
  });

  it('v1: the eval check posted from the CLI lets it promote; the completion waits for an approval given with canaryd approve', async () => {
    v1 = await create('v1');
    const posted = await cli(
      ['check', v1, 'eval', '--value', 'task_success=0.91', '--value', 'pii_leakage=0', '--source', 'eval-run 2026-12-01/42', '--digest', 'sha256:abc123'],
      'ci',
    );
    expect(posted.stderr).toBe('');
    expect(posted.code).toBe(0);
    expect(posted.stdout).toMatch(
      new RegExp(`^check eval of analysis ${v1}: task_success=0\\.91, pii_leakage=0 from eval-run 2026-12-01/42 \\(sha256:abc123\\) at \\S+ by ci-pipeline\n$`),
    );

    const wrongType = await cli(['check', v1, 'eval', '--value', 'task_success=high', '--value', 'pii_leakage=0', '--source', 'x'], 'ci');
    expect(wrongType.code).toBe(2);
    expect(wrongType.stderr).toBe('canaryd: invalid-request: values.task_success: must be a finite number, got string "high" (field values.task_success)\n');
    const unknownCheck = await cli(['check', v1, 'sbom', '--value', 'high_risk=0', '--source', 'x'], 'ci');
    expect(unknownCheck.stderr).toMatch(/^canaryd: unknown-check: analysis \S+ has no check "sbom" \(checks: eval\)/);

    const approvalId = await waitFor(
      'the completion of v1 to wait for an approval',
      async () => {
        const run = await cli(['approvals', '--pending', '--output', 'json']);
        const approvals = (JSON.parse(run.stdout) as { approvals: Array<{ id: string; analysisId: string; action: string }> }).approvals;
        return approvals.find((approval) => approval.analysisId === v1 && approval.action === 'complete')?.id;
      },
      { timeoutMs: 60_000, intervalMs: 300 },
    );
    expect((await cli(['approve', approvalId, '--reason', 'eval passed, CHG-7'])).code).toBe(0);
    const watch = await cli(['get', 'analysis', v1, '--watch', '--interval', '200ms', '--timeout', '60s'], 'rm', 90_000);
    expect(watch.code).toBe(0);
    expect(watch.stdout.trim().split('\n').at(-1)).toMatch(/\ssucceeded\s+3\/3 \(100%\)\s+promote\s+healthy$/);
  });

  it('v2: a failing eval blocks the promotion — the gate report names the check, its target and value (exit 3)', async () => {
    v2 = await create('v2', 'v1');
    expect((await cli(['check', v2, 'eval', '--value', 'task_success=0.5', '--value', 'pii_leakage=0', '--source', 'eval-run 2026-12-02/43'], 'ci')).code).toBe(
      0,
    );
    const blocked = await waitFor(
      'a verdict of v2 that read the failing eval',
      async () => {
        const run = await cli(['get', 'gate', v2, '--output', 'json']);
        const report = JSON.parse(run.stdout) as { blockers: Record<string, { target_gte?: number; value: unknown; pass: boolean | null }>; decision: string };
        return report.blockers['checks.eval.task_success >= 0.85']?.value === 0.5 ? { run, report } : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 300 },
    );
    expect(blocked.run.code).toBe(3);
    expect(blocked.report.decision).toBe('block');
    expect(blocked.report.blockers['checks.eval.task_success >= 0.85']).toEqual({ target_gte: 0.85, value: 0.5, pass: false });

    const text = await cli(['get', 'gate', v2]);
    expect(text.code).toBe(3);
    expect(text.stdout).toMatch(/^Decision:\s+block$/m);
    expect(text.stdout).toMatch(/^ {2}checks\.eval\.task_success >= 0\.85\s+gte 0\.85\s+0\.5\s+false$/m);
    expect(text.stdout).toMatch(/^ {2}release: release-managers$/m);
    const described = await cli(['describe', 'analysis', v2]);
    expect(described.stdout).toMatch(/^ {2}healthy\s+promote\s+checks\.eval\.task_success >= 0\.85\s+false\s+checks\.eval\.task_success=0\.5$/m);
  });

  it('releases lists v2 then v1 with decision, approvers and checks; describe release shows the approval, decisions and the check', async () => {
    const list = await cli(['releases', '--service', SERVICE, '--environment', ENVIRONMENT]);
    expect(list.code).toBe(0);
    const [header, ...rows] = list.stdout.trim().split('\n');
    expect(header).toMatch(/^NAME\s+SERVICE\s+ENVIRONMENT\s+VERSION\s+PREVIOUS\s+PHASE\s+DECISION\s+RULE\s+APPROVERS\s+CHECKS\s+STARTED\s+ENDED$/);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(new RegExp(`^${v2}\\s+shop\\s+production\\s+v2\\s+v1\\s+running\\s`));
    expect(rows[1]).toMatch(new RegExp(`^${v1}\\s+shop\\s+production\\s+v1\\s+-\\s+succeeded\\s+complete\\s+healthy\\s+release-manager\\s+eval\\s`));
    const json = await cli(['releases', '--service', SERVICE, '--environment', ENVIRONMENT, '--output', 'json']);
    const served = await call(daemon.url, 'GET', `/v1/releases?service=${SERVICE}&environment=${ENVIRONMENT}`, tokens.reader);
    expect(JSON.parse(json.stdout)).toEqual(served.body);

    const paged = await cli(['releases', '--service', SERVICE, '--environment', ENVIRONMENT, '--limit', '1']);
    expect(paged.stdout.trim().split('\n')).toHaveLength(2);
    expect(paged.stderr).toMatch(/^more releases: add --before \S+\n$/);

    const described = await cli(['describe', 'release', v1]);
    expect(described.code).toBe(0);
    const text = described.stdout;
    expect(text).toMatch(/^Version:\s+v1$/m);
    expect(text).toMatch(/^Artifact:\s+sha256:v10000$/m);
    expect(text).toMatch(/^Template:\s+e2e-checked \(sha256 [0-9a-f]{64}\)$/m);
    expect(text).toMatch(/^Decision:\s+complete by healthy \(promote\) at \S+: /m);
    expect(text).toMatch(/^Approvers:\s+release-manager$/m);
    expect(text).toMatch(/^ {2}\S+\s+complete\s+3\s+100%\s+healthy\s+[0-9a-f]{64}\s/m);
    expect(text).toMatch(/^ {2}eval\s+task_success=0\.91, pii_leakage=0\s+eval-run 2026-12-01\/42\s+sha256:abc123\s+\S+\s+yes$/m);
    expect(text).toMatch(/^ {2}\S+\s+complete\s+\d+→100%\s+approved\s+canaryd\s+release-manager\s+\S+\s+eval passed, CHG-7$/m);
    expect(text).toMatch(/^ {2}complete: REQUIRE_APPROVAL \(policy prod-complete-needs-approval\)/m);
    expect(text).toMatch(/^ {2}set-weight: ALLOW \(no policy\) — /m);
  });

  it('rollback --to-version v1 calls the deployer with toVersion, actor and reason; a version never released is 404 naming it; without the scope 403', async () => {
    const never = await cli(['rollback', '--service', SERVICE, '--environment', ENVIRONMENT, '--to-version', 'v9', '--reason', 'typo']);
    expect(never.code).toBe(4);
    expect(never.stderr).toBe('canaryd: not-found: version v9 was never released for shop in production (released: v2, v1) (field toVersion)\n');
    const noScope = await cli(['rollback', '--service', SERVICE, '--environment', ENVIRONMENT, '--to-version', 'v1', '--reason', 'not mine'], 'reader');
    expect(noScope.code).toBe(4);
    expect(noScope.stderr).toBe('canaryd: forbidden: principal auditor lacks the scope releases:rollback (has: read)\n');

    const rolled = await cli(['rollback', '--service', SERVICE, '--environment', ENVIRONMENT, '--to-version', 'v1', '--reason', 'eval regression in v2']);
    expect(rolled.stderr).toBe('');
    expect(rolled.code).toBe(0);
    expect(rolled.stdout).toMatch(/^rollback \S+: shop\/production v2 → v1 \(pending\) by release-manager at \S+, adapter deployer: eval regression in v2\n$/);
    const hook = await waitForHook(stack.receiver, v2, 'rollback');
    expect(hook.body).toMatchObject({ toVersion: 'v1', actor: 'release-manager', reason: 'eval regression in v2' });

    const history = await cli(['describe', 'analysis', v2]);
    expect(history.stdout).toMatch(
      /^ {2}\S+\s+check eval\s+-\s+-\s+checks\.eval\.task_success=0\.5, checks\.eval\.pii_leakage=0\s+eval-run 2026-12-02\/43 by ci-pipeline$/m,
    );
    expect(history.stdout).toMatch(/^ {2}\S+\s+release rollback\s+-\s+manual\s+-\s+v2 → v1 by release-manager: eval regression in v2$/m);
    const described = await cli(['describe', 'release', v2]);
    expect(described.stdout).toMatch(/^Previous:\s+v1$/m);
    expect(described.stdout).toMatch(
      /^Rollbacks:\n {2}\S+: shop\/production v2 → v1 \(\w+\) by release-manager at \S+, adapter deployer: eval regression in v2$/m,
    );

    for (const id of [v1, v2]) {
      const verify = await cli(['events', 'verify', id], 'reader');
      expect(verify.code).toBe(0);
      expect(verify.stdout).toMatch(/chain intact/);
    }
    expect((await cli(['abort', v2, '--reason', 'rolled back'])).code).toBe(0);
  });

  it('no token, not even a fragment, in anything the CLI printed', () => {
    expect(outputs.length).toBeGreaterThan(20);
    expect(secretFragments(outputs.join('\n'), Object.values(tokens))).toEqual([]);
  });
});
