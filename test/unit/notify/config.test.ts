import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSecrets } from '../../../src/app.js';
import { loadConfigText, parseConfig } from '../../../src/config/load.js';
import { formatProblem } from '../../../src/template/problems.js';
import { positionOf } from '../template/template-text.js';

const SOURCE = 'sources:\n  default: { type: prometheus, url: http://127.0.0.1:9 }\n';

function problemsOf(text: string): string[] {
  const result = parseConfig(text, 'c.yaml', '/etc/canaryd');
  if (result.ok) throw new Error('expected problems, the config was accepted');
  return result.problems.map(formatProblem);
}

describe('notifications config', () => {
  let dir: string;
  const slackUrl = 'https://hooks.slack.example/services/T000/B000/very-secret-path';
  const webhookSecret = 'whsec-notify-0123456789';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'canaryd-notify-config-'));
    await writeFile(join(dir, 'slack-url'), `${slackUrl}\n`);
    await writeFile(join(dir, 'hook-secret'), webhookSecret);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the Slack URL and the webhook secret from their files, with defaults, and redacts both', async () => {
    const text = `${SOURCE}notifications:
  sinks:
    - { name: oncall, type: slack, urlFile: slack-url, events: [abort, adapter-failed] }
    - { name: audit, type: webhook, url: http://127.0.0.1:9/hook, secretFile: hook-secret, events: [decision, freeze], retries: 5, timeout: 2s }
`;
    const loaded = await loadConfigText(text, join(dir, 'canaryd.yaml'), { env: {} });
    if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join('\n'));
    expect(loaded.config.notifications).toEqual({
      queueSize: 1000,
      sinks: [
        { type: 'slack', name: 'oncall', events: ['abort', 'adapter-failed'], url: slackUrl, timeoutMs: 5000, retries: 3 },
        { type: 'webhook', name: 'audit', events: ['decision', 'freeze'], url: 'http://127.0.0.1:9/hook', secret: webhookSecret, timeoutMs: 2000, retries: 5 },
      ],
    });
    expect(configSecrets(loaded.config)).toEqual(expect.arrayContaining([slackUrl, webhookSecret]));
  });

  it('takes the queue bound and the public URL for report links', () => {
    const text = `${SOURCE}notifications:\n  queueSize: 50\n  publicUrl: https://canaryd.internal\n  sinks: []\n`;
    const parsed = parseConfig(text, 'c.yaml', dir);
    expect(parsed.ok && parsed.config.notifications).toEqual({ queueSize: 50, publicUrl: 'https://canaryd.internal', sinks: [] });
    expect(problemsOf(`${SOURCE}notifications:\n  queueSize: 0\n  publicUrl: ftp://x\n`).join('\n')).toMatch(
      /notifications\.queueSize: .*\n.*notifications\.publicUrl: expected an http/,
    );
  });

  it('a Slack sink without urlFile names the field', () => {
    const text = `${SOURCE}notifications:\n  sinks:\n    - { name: oncall, type: slack, events: [abort] }\n`;
    const problems = problemsOf(text);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^c\.yaml:\d+:\d+: notifications\.sinks\[0\]\.urlFile: /);
  });

  it('an unknown event names the field, its position and the known events', () => {
    const text = `${SOURCE}notifications:\n  sinks:\n    - { name: oncall, type: slack, urlFile: u, events: [abort, aborted] }\n`;
    const problems = problemsOf(text);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`c.yaml:${positionOf(text, 'aborted]')}: notifications.sinks[0].events[1]: `);
    expect(problems[0]).toContain('approval-requested');
  });

  it('an unknown sink type, an empty event list, a duplicate name and two secret sources are each named', () => {
    const text = `${SOURCE}notifications:
  sinks:
    - { name: a, type: pager, events: [abort] }
    - { name: b, type: slack, urlFile: u, events: [] }
    - { name: b, type: webhook, url: http://x:1, secretFile: f, secretEnv: E, events: [abort] }
`;
    const problems = problemsOf(text).join('\n');
    expect(problems).toMatch(/notifications\.sinks\[0\]\.type: expected slack or webhook/);
    expect(problems).toMatch(/notifications\.sinks\[1\]\.events: must not be empty/);
    expect(problems).toMatch(/notifications\.sinks\[2\]\.name: another sink is already named "b"/);
    expect(problems).toMatch(/notifications\.sinks\[2\]\.secretEnv: give only one of secretFile, secretEnv/);
  });

  it('a missing urlFile file is named by field and path, and no secret appears in the problem', async () => {
    const text = `${SOURCE}notifications:\n  sinks:\n    - { name: oncall, type: slack, urlFile: nowhere, events: [abort] }\n`;
    const loaded = await loadConfigText(text, join(dir, 'canaryd.yaml'), { env: {} });
    expect(loaded.ok).toBe(false);
    if (loaded.ok) return;
    expect(loaded.problems.map(formatProblem)).toEqual([
      `${join(dir, 'canaryd.yaml')}:${positionOf(text, 'nowhere')}: notifications.sinks[0].urlFile: cannot read file ${join(dir, 'nowhere')} (ENOENT)`,
    ]);
  });
});
