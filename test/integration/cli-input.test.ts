// Bad input through the real binary: every mistake named with its place, the right exit code,
// never a stack trace, never a promote.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCanaryd } from '../helpers/cli.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'canaryd-cli-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const TEMPLATE = 'analysis-templates/http-service.yaml';

function expectNoStack(stderr: string): void {
  expect(stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
}

describe('validate', () => {
  it('accepts every shipped template (exit 0) and lists them as JSON', async () => {
    const run = await runCanaryd(['validate', 'analysis-templates', '--output', 'json']);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { valid: boolean; templates: Array<{ name: string }> };
    expect(result.valid).toBe(true);
    expect(result.templates.map((template) => template.name).sort()).toEqual(['ai-agent', 'http-service', 'http-service-sequential', 'queue-worker']);
  });

  it('reports every problem of a broken template with file:line:col, exit 2', async () => {
    const file = join(dir, 'broken.yaml');
    await writeFile(
      file,
      [
        'apiVersion: canaryd.dev/v1alpha1',
        'kind: AnalysisTemplate',
        'metadata: { name: broken }',
        'spec:',
        '  interval: 1x',
        '  steps: [{ weight: 50 }, { weight: 25 }]',
        '  metrics:',
        '    - name: errors',
        '      query: sum(rate(errors_total{track="{{ variant }}"}[5m])',
        '  rules:',
        '    abort:',
        '      - id: spike',
        '        when: eror.change > 50%',
        '',
      ].join('\n'),
    );
    const run = await runCanaryd(['validate', file]);
    expect(run.code).toBe(2);
    expect(run.stdout).toContain(`${file}:5:13: spec.interval`);
    expect(run.stdout).toMatch(new RegExp(`${file}:6:\\d+: spec.steps\\[1\\].weight`));
    expect(run.stdout).toMatch(new RegExp(`${file}:9:\\d+: .*query`));
    expect(run.stdout).toContain(`${file}:13:15: spec.rules.abort[0].when: unknown metric "eror"`);
    expectNoStack(run.stderr);
  });

  it('is exit 2 for a path that does not exist', async () => {
    const run = await runCanaryd(['validate', join(dir, 'nope.yaml')]);
    expect(run.code).toBe(2);
    expect(run.stdout + run.stderr).toContain('nope.yaml');
  });
});

describe('backtest and analyze input', () => {
  it('refuses a bad --start with exit 2 and says what a time looks like', async () => {
    const run = await runCanaryd([
      'backtest',
      '--template',
      TEMPLATE,
      '--source-url',
      'http://127.0.0.1:9',
      '--arg',
      'service=x',
      '--start',
      'yesterday',
      '--end',
      '1700000000',
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--start');
    expect(run.stderr).toContain('RFC 3339');
  });

  it('refuses an unknown --arg and a malformed one', async () => {
    const unknown = await runCanaryd(['analyze', '--template', TEMPLATE, '--source-url', 'http://127.0.0.1:9', '--arg', 'service=x', '--arg', 'colour=blue']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('colour');
    const malformed = await runCanaryd(['analyze', '--template', TEMPLATE, '--source-url', 'http://127.0.0.1:9', '--arg', 'service']);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('key=value');
  });

  it('keeps an argument that tries to break out of its PromQL string inside it (no promote on an unreachable source)', async () => {
    const run = await runCanaryd(['analyze', '--template', TEMPLATE, '--source-url', 'http://127.0.0.1:9', '--arg', 'service=a"} or vector(1) #']);
    // Escaped inside the string, so the query stays one matcher; the source is unreachable: exit 4.
    expect(run.code).toBe(4);
    expect(run.stdout).toBe('');
  });

  it('refuses, before any query, an argument that cannot stand outside a string in its query (exit 2)', async () => {
    const file = join(dir, 'bare-arg.yaml');
    await writeFile(
      file,
      [
        'apiVersion: canaryd.dev/v1alpha1',
        'kind: AnalysisTemplate',
        'metadata: { name: bare-arg }',
        'spec:',
        '  args: [{ name: k }]',
        '  interval: 1m',
        '  steps: [{ weight: 100 }]',
        '  metrics:',
        '    - name: top',
        '      query: sum(topk({{ args.k }}, up{job="{{ variant }}"}))',
        '  rules:',
        '    promote: [{ id: ok, when: top.canary > 0 }]',
        '',
      ].join('\n'),
    );
    const run = await runCanaryd(['analyze', '--template', file, '--source-url', 'http://127.0.0.1:9', '--arg', 'k=1, up) or vector(1']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('argument "k"');
    expect(run.stderr).toContain('outside a string');
    expect(run.stdout).toBe('');
  });

  it('refuses an unknown --output and unknown options as usage errors', async () => {
    const output = await runCanaryd(['analyze', '--template', TEMPLATE, '--source-url', 'http://127.0.0.1:9', '--arg', 'service=x', '--output', 'yaml']);
    expect(output.code).toBe(2);
    expect(output.stderr).toContain('--output');
    const option = await runCanaryd(['backtest', '--frobnicate']);
    expect(option.code).toBe(2);
  });

  it('takes the source from --config and names a source the config lacks', async () => {
    const config = join(dir, 'config.yaml');
    await writeFile(config, 'sources:\n  other: { type: prometheus, url: "http://127.0.0.1:9" }\n');
    const missing = await runCanaryd(['analyze', '--template', TEMPLATE, '--config', config, '--arg', 'service=x']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('source "default"');
    await writeFile(config, 'sources:\n  default: { type: prometheus, url: "http://127.0.0.1:9", timeout: 2s }\n');
    const unreachable = await runCanaryd(['analyze', '--template', TEMPLATE, '--config', config, '--arg', 'service=x']);
    expect(unreachable.code).toBe(4);
    expect(unreachable.stderr).toContain('127.0.0.1:9');
  });

  it('reports a config whose bearer token variable is unset, without any secret', async () => {
    const config = join(dir, 'token.yaml');
    await writeFile(config, 'sources:\n  default:\n    type: prometheus\n    url: "http://127.0.0.1:9"\n    bearerTokenEnv: CANARYD_TEST_UNSET_TOKEN\n');
    const run = await runCanaryd(['analyze', '--template', TEMPLATE, '--config', config, '--arg', 'service=x'], {
      env: { CANARYD_TEST_UNSET_TOKEN: '' },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`${config}:5:\\d+: .*CANARYD_TEST_UNSET_TOKEN`));
  });

  it('never prints a bearer token given through --bearer-token-env', async () => {
    const secret = 'tok-9f8e7d6c5b4a-very-secret';
    const run = await runCanaryd(
      ['analyze', '--template', TEMPLATE, '--source-url', 'http://127.0.0.1:9', '--arg', 'service=x', '--bearer-token-env', 'CANARYD_TEST_TOKEN'],
      { env: { CANARYD_TEST_TOKEN: secret } },
    );
    expect(run.code).toBe(4);
    expect(run.stdout + run.stderr).not.toContain(secret);
  });
});

describe('validate: judges', () => {
  it('reports bad judge settings with their line: an exposure naming the metric itself, alpha outside (0, 1)', async () => {
    const file = join(dir, 'judged.yaml');
    await writeFile(
      file,
      [
        'apiVersion: canaryd.dev/v1alpha1',
        'kind: AnalysisTemplate',
        'metadata: { name: judged }',
        'spec:',
        '  interval: 1m',
        '  steps: [{ weight: 100 }]',
        '  metrics:',
        '    - name: errors',
        '      query: sum(errors_total{track="{{ variant }}"})',
        '      judge: { type: sequential-count, exposure: errors, alpha: 1.5 }',
        '  rules:',
        '    abort: [{ id: bad, when: errors.regressed }]',
        '',
      ].join('\n'),
    );
    const run = await runCanaryd(['validate', file]);
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(new RegExp(`${file}:10:\\d+: spec.metrics\\[0\\].judge.exposure: names the judged metric itself`));
    expect(run.stdout).toMatch(new RegExp(`${file}:10:\\d+: spec.metrics\\[0\\].judge.alpha`));
  });
});
