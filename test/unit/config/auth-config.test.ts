import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfigFile, parseConfig } from '../../../src/config/load.js';
import { configSecrets } from '../../../src/app.js';
import { formatProblem } from '../../../src/template/problems.js';

const CONTRACT = `sources:
  default: { type: prometheus, url: http://127.0.0.1:9090 }
auth:
  tokens:                                  # each token is a principal
    - name: argo-rollouts
      tokenFile: ./secrets/argo
      scopes: [read, analyses:create]
    - name: alice
      tokenFile: ./secrets/alice
      scopes: [read, actions, approve]
      environments: [staging, production]
    - name: ops-admin
      tokenEnv: OPS_TOKEN
      scopes: [read, actions, approve, admin]
policies:
  - id: prod-advance-needs-approval
    match: { environment: production, action: [set-weight, complete] }
    decision: REQUIRE_APPROVAL
    approvers: [alice, ops-admin]
    expires: 15m
  - id: no-manual-promote-in-prod
    match: { environment: production, action: manual-promote }
    decision: DENY
    reason: production advances only through the analysis
`;

function problemsOf(text: string): string[] {
  const result = parseConfig(text, 'c.yaml', '/etc/canaryd');
  if (result.ok) throw new Error('expected problems, the config was accepted');
  return result.problems.map(formatProblem);
}

describe('auth and policies in the config', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'canaryd-auth-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts the contract example and reads every token; the tokens are secrets of the logger', async () => {
    const file = join(dir, 'c.yaml');
    writeFileSync(file, CONTRACT);
    writeFileSync(join(dir, 'argo-token'), 'x');
    const secrets = join(dir, 'secrets');
    rmSync(secrets, { force: true, recursive: true });
    await import('node:fs').then((fs) => fs.mkdirSync(secrets));
    writeFileSync(join(secrets, 'argo'), 'argo-token-0123456789\n');
    writeFileSync(join(secrets, 'alice'), 'alice-token-0123456789');
    const loaded = await loadConfigFile(file, { OPS_TOKEN: 'ops-token-0123456789' });
    if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join('\n'));
    expect(loaded.config.auth?.principals).toEqual([
      { name: 'argo-rollouts', token: 'argo-token-0123456789', scopes: ['read', 'analyses:create'], environments: null },
      { name: 'alice', token: 'alice-token-0123456789', scopes: ['read', 'actions', 'approve'], environments: ['staging', 'production'] },
      { name: 'ops-admin', token: 'ops-token-0123456789', scopes: ['read', 'actions', 'approve', 'admin'], environments: null },
    ]);
    expect(loaded.config.policies).toEqual([
      {
        id: 'prod-advance-needs-approval',
        match: { environment: ['production'], action: ['set-weight', 'complete'] },
        decision: 'REQUIRE_APPROVAL',
        approvers: ['alice', 'ops-admin'],
        expiresMs: 900_000,
      },
      {
        id: 'no-manual-promote-in-prod',
        match: { environment: ['production'], action: ['manual-promote'] },
        decision: 'DENY',
        approvers: [],
        expiresMs: 900_000,
        reason: 'production advances only through the analysis',
      },
    ]);
    expect(configSecrets(loaded.config)).toEqual(expect.arrayContaining(['argo-token-0123456789', 'alice-token-0123456789', 'ops-token-0123456789']));
  });

  it('an unreadable token file is a problem at its field, the token never shown', async () => {
    const file = join(dir, 'c.yaml');
    writeFileSync(file, CONTRACT);
    const loaded = await loadConfigFile(file, {});
    if (loaded.ok) throw new Error('accepted');
    const lines = loaded.problems.map(formatProblem);
    expect(lines).toEqual([
      `${file}:6:18: auth.tokens[0].tokenFile: cannot read file ${join(dir, 'secrets/argo')} (ENOENT)`,
      `${file}:9:18: auth.tokens[1].tokenFile: cannot read file ${join(dir, 'secrets/alice')} (ENOENT)`,
      `${file}:13:17: auth.tokens[2].tokenEnv: environment variable OPS_TOKEN is not set`,
    ]);
  });

  it('unknown scope, duplicate names, approver not a principal, unknown policy field: file:line:col', () => {
    const text = `sources:
  default: { type: prometheus, url: http://127.0.0.1:9090 }
auth:
  tokens:
    - { name: alice, tokenFile: a, scopes: [read, deploy] }
    - { name: alice, tokenEnv: B, scopes: [read] }
    - { name: bob, scopes: [read] }
policies:
  - id: p1
    match: { environment: production, actoin: complete }
    decision: REQUIRE_APPROVAL
    approvers: [alice, mallory]
  - id: p2
    decision: MAYBE
`;
    expect(problemsOf(text)).toEqual([
      'c.yaml:5:51: auth.tokens[0].scopes[1]: expected read, analyses:create, actions, approve, admin, checks:write or releases:rollback, got "deploy"',
      'c.yaml:6:15: auth.tokens[1].name: duplicate principal name "alice"',
      'c.yaml:7:7: auth.tokens[2]: needs tokenFile or tokenEnv (the bearer token itself is never written in the config)',
      'c.yaml:10:39: policies[0].match.actoin: unknown field',
      'c.yaml:12:24: policies[0].approvers[1]: "mallory" is not a principal (auth.tokens names: alice, bob)',
      'c.yaml:14:15: policies[1].decision: expected ALLOW, DENY or REQUIRE_APPROVAL, got "MAYBE"',
    ]);
  });

  it('without auth: a non-loopback server.host is refused, loopback hosts are fine, approvers cannot exist', () => {
    const base = `sources:\n  default: { type: prometheus, url: http://127.0.0.1:9090 }\n`;
    expect(problemsOf(`server: { host: 0.0.0.0 }\n${base}`)).toEqual([
      'c.yaml:1:17: server.host: "0.0.0.0" is not a loopback address, and without auth anyone who reaches it could change deployments; configure auth.tokens or listen on 127.0.0.1',
    ]);
    for (const host of ['127.0.0.1', 'localhost', '::1', '127.0.0.2']) {
      expect(parseConfig(`server: { host: "${host}" }\n${base}`, 'c.yaml').ok).toBe(true);
    }
    expect(problemsOf(`${base}policies:\n  - { id: p, decision: REQUIRE_APPROVAL, approvers: [alice] }\n`)).toEqual([
      'c.yaml:4:54: policies[0].approvers[0]: "alice" is not a principal (auth.tokens names: none: auth.tokens is not configured)',
    ]);
  });
});
