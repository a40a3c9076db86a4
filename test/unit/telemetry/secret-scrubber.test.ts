import { describe, expect, it } from 'vitest';

import { createSecretScrubber, REDACTED } from '../../../src/telemetry/secret-scrubber.js';

describe('createSecretScrubber', () => {
  it('is inactive and returns inputs as they are without secrets', () => {
    const scrubber = createSecretScrubber(['']);
    const value = { a: 'x' };
    expect(scrubber.active).toBe(false);
    expect(scrubber.scrub(value)).toBe(value);
    expect(scrubber.scrubSerialized('line')).toBe('line');
  });

  it('replaces the longer of two overlapping secrets whole', () => {
    const scrubber = createSecretScrubber(['abc', 'abcdef']);
    expect(scrubber.scrubString('x abcdef y abc')).toBe(`x ${REDACTED} y ${REDACTED}`);
  });

  it('copies only what contains a secret and survives cycles', () => {
    const scrubber = createSecretScrubber(['hunter2']);
    const clean = { ok: true };
    const cyclic: Record<string, unknown> = { clean, note: 'pw hunter2' };
    cyclic.self = cyclic;
    const scrubbed = scrubber.scrub(cyclic) as Record<string, unknown>;
    expect(scrubbed).not.toBe(cyclic);
    expect(scrubbed.note).toBe(`pw ${REDACTED}`);
    expect(scrubbed.clean).toBe(clean);
    expect(cyclic.note).toBe('pw hunter2');
  });

  it('keeps the class of an error while scrubbing its message, stack, cause and fields', () => {
    class SourceFailure extends Error {
      code = 'SOURCE_AUTH';
      header = 'Bearer hunter2';
    }
    const error = new SourceFailure('auth with hunter2 refused', { cause: new Error('inner hunter2') });
    const scrubbed = createSecretScrubber(['hunter2']).scrub(error) as SourceFailure;
    expect(scrubbed).toBeInstanceOf(SourceFailure);
    expect(scrubbed.message).toBe(`auth with ${REDACTED} refused`);
    expect(scrubbed.stack).not.toContain('hunter2');
    expect((scrubbed.cause as Error).message).toBe(`inner ${REDACTED}`);
    expect(scrubbed.code).toBe('SOURCE_AUTH');
    expect(scrubbed.header).toBe(`Bearer ${REDACTED}`);
  });

  it('scrubs the JSON-escaped form of a secret in a serialized line', () => {
    const secret = 'a"b\\c';
    const line = JSON.stringify({ msg: `has ${secret}` });
    expect(createSecretScrubber([secret]).scrubSerialized(line)).toBe(JSON.stringify({ msg: `has ${REDACTED}` }));
  });
});
