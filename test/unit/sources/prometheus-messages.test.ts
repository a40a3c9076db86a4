import { describe, expect, it } from 'vitest';
import { describeSource, formatSeriesLabels, formatSeriesList, publicUrl, redactSecrets, toSourceError } from '../../../src/sources/prometheus/messages.js';

describe('publicUrl / describeSource', () => {
  it('keeps scheme, host and path prefix, and drops credentials, query and fragment', () => {
    expect(publicUrl('https://user:secret@mimir.example:8443/prometheus/?token=abc#x')).toBe('https://mimir.example:8443/prometheus');
    expect(publicUrl('http://127.0.0.1:9090/')).toBe('http://127.0.0.1:9090');
    expect(publicUrl('not a url')).toBe('<invalid URL>');
    expect(describeSource('default', 'http://u:p@127.0.0.1:9090')).toBe('source "default" (http://127.0.0.1:9090)');
  });
});

describe('series formatting', () => {
  it('writes labels as Prometheus does, sorted, with the metric name in front', () => {
    expect(formatSeriesLabels({ pod: 'b', app: 'x"y' })).toBe('{app="x\\"y", pod="b"}');
    expect(formatSeriesLabels({ __name__: 'up', job: 'api' })).toBe('up{job="api"}');
    expect(formatSeriesLabels({})).toBe('{}');
  });

  it('lists five series at most', () => {
    const six = Array.from({ length: 6 }, (_, i) => ({ pod: String(i) }));
    expect(formatSeriesList(six)).toBe('{pod="0"}, {pod="1"}, {pod="2"}, {pod="3"}, {pod="4"} and 1 more');
    expect(formatSeriesList(six.slice(0, 2))).toBe('{pod="0"}, {pod="1"}');
  });
});

describe('redaction', () => {
  it('removes every secret, the longest first, and leaves short values alone', () => {
    const text = 'got Bearer s3cr3t-token and s3cr3t-token; id=ab';
    expect(redactSecrets(text, ['s3cr3t-token', 'Bearer s3cr3t-token', 'ab'])).toBe('got <redacted> and <redacted>; id=ab');
  });

  it('prefixes the source and redacts the whole message', () => {
    expect(toSourceError('source "x" (http://h)', { kind: 'auth', detail: 'denied for hunter22' }, ['hunter22'])).toEqual({
      kind: 'auth',
      message: 'source "x" (http://h): denied for <redacted>',
    });
  });
});
