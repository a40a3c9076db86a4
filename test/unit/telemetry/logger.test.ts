import { Writable } from 'node:stream';

import { describe, expect, it } from 'vitest';

import { createLogger } from '../../../src/telemetry/logger.js';

const SECRET = 's3cr3t-"hook"\\key-7f9a';
const TOKEN = 'eyJhbGciOi.bearer-token-0042';

function capture(): { stream: Writable; lines: () => string[]; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const text = (): string => chunks.join('');
  return {
    stream,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter((line) => line.length > 0),
  };
}

function parsed(line: string | undefined): Record<string, unknown> {
  expect(line).toBeDefined();
  return JSON.parse(line ?? '') as Record<string, unknown>;
}

describe('createLogger', () => {
  it('writes one JSON object per line with level label, time and message', () => {
    const out = capture();
    const logger = createLogger({ level: 'info', destination: out.stream });
    logger.info({ analysisId: 'a-1' }, 'tick done');
    logger.debug('not at info');
    const lines = out.lines();
    expect(lines).toHaveLength(1);
    const entry = parsed(lines[0]);
    expect(entry).toMatchObject({ level: 'info', msg: 'tick done', analysisId: 'a-1', service: 'canaryd' });
    expect(typeof entry.time).toBe('string');
  });

  it('refuses an unknown level', () => {
    expect(() => createLogger({ level: 'verbose' })).toThrow(/unknown log level "verbose"/);
  });

  it('redacts secret fields by path whatever their value', () => {
    const out = capture();
    const logger = createLogger({ level: 'info', destination: out.stream });
    logger.info(
      {
        authorization: 'Bearer abc',
        token: 'tok-1',
        password: 'pw-1',
        headers: { authorization: 'Bearer def', 'content-type': 'application/json' },
        request: { headers: { authorization: 'Bearer ghi' }, bearerToken: 'bt-1' },
        adapters: { deployer: { secret: 'adapter-secret', url: 'http://127.0.0.1:1/hook' } },
      },
      'config loaded',
    );
    const text = out.text();
    for (const leaked of ['Bearer abc', 'tok-1', 'pw-1', 'Bearer def', 'Bearer ghi', 'bt-1', 'adapter-secret']) {
      expect(text).not.toContain(leaked);
    }
    const entry = parsed(out.lines()[0]);
    expect(entry.headers).toEqual({ authorization: '[REDACTED]', 'content-type': 'application/json' });
    expect(entry.adapters).toEqual({ deployer: { secret: '[REDACTED]', url: 'http://127.0.0.1:1/hook' } });
  });

  it('never prints a known secret value, wherever it is embedded', () => {
    const out = capture();
    const logger = createLogger({ level: 'trace', destination: out.stream, redactValues: [SECRET, TOKEN, ''] });
    logger.info(`calling hook with ${SECRET} inside`);
    logger.warn('printf %s and %o', TOKEN, { nested: { deeper: [`x${SECRET}y`] } });
    logger.error({ url: `http://127.0.0.1:9/?token=${TOKEN}`, list: [TOKEN] }, 'source failed');
    logger.error(new Error(`auth failed for ${TOKEN}`, { cause: new Error(`inner ${SECRET}`) }));
    logger.info({ err: new TypeError(`bad ${SECRET}`) }, 'with err field');
    const child = logger.child({ analysisId: 'a-2', note: `bound ${TOKEN}` });
    child.info({ body: new Map([['k', TOKEN]]) }, 'child message %s', SECRET);

    const text = out.text();
    const lines = out.lines();
    expect(lines).toHaveLength(6);
    for (const secret of [SECRET, TOKEN, JSON.stringify(SECRET).slice(1, -1)]) {
      expect(text).not.toContain(secret);
    }
    expect(parsed(lines[0]).msg).toBe('calling hook with [REDACTED] inside');
    expect(parsed(lines[2]).url).toBe('http://127.0.0.1:9/?token=[REDACTED]');
    const errorEntry = parsed(lines[3]);
    expect(errorEntry.msg).toBe('auth failed for [REDACTED]');
    expect(JSON.stringify(errorEntry.err)).toContain('[REDACTED]');
    expect((parsed(lines[4]).err as { type: string }).type).toBe('TypeError');
    expect(parsed(lines[5])).toMatchObject({ analysisId: 'a-2', note: 'bound [REDACTED]', msg: 'child message [REDACTED]' });
  });

  it('leaves the caller objects untouched', () => {
    const out = capture();
    const logger = createLogger({ level: 'info', destination: out.stream, redactValues: [SECRET] });
    const payload = { headers: { authorization: 'Bearer x' }, note: `has ${SECRET}` };
    logger.info(payload, 'msg');
    expect(payload).toEqual({ headers: { authorization: 'Bearer x' }, note: `has ${SECRET}` });
    expect(out.text()).not.toContain(SECRET);
  });
});
