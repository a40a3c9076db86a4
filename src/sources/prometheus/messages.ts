// Text helpers for error messages: how a source, a series and an answer are shown to people,
// and the redaction that keeps credentials out of every message.

import type { SourceError, SourceErrorKind } from '../../analysis/types.js';

/** A failure before the source's name and URL are put in front of it. */
export interface SourceFailure {
  kind: SourceErrorKind;
  detail: string;
}

const MAX_LISTED_SERIES = 5;
const MAX_SNIPPET_CHARS = 160;
/** Shorter values would redact ordinary words out of messages; such values are not secrets. */
const MIN_REDACTED_LENGTH = 3;
const REDACTED = '<redacted>';

/** The URL without user info, query string or fragment (any of which may hold a credential). */
export function publicUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const path = parsed.pathname === '/' ? '' : parsed.pathname.replace(/\/+$/, '');
    return `${parsed.protocol}//${parsed.host}${path}`;
  } catch {
    return '<invalid URL>';
  }
}

/** `source "default" (http://127.0.0.1:9090)` */
export function describeSource(name: string, url: string): string {
  return `source "${name}" (${publicUrl(url)})`;
}

/**
 * Credential-shaped text, redacted even when no known secret matches it (a partial or unknown one):
 * header lines such as `Authorization: Bearer …`, `Cookie: …`, `X-Api-Key: …`; `token=…`-style
 * pairs; a scheme and its credentials (`Bearer …`, `Basic …`); URL user info (`//user:pass@`).
 */
const CREDENTIAL_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/\b((?:proxy-)?authorization|cookie|set-cookie|x-api-key|api-key|x-auth-token|x-scope-orgid)(\s*["']?\s*[:=]\s*)[^\r\n]*/gi, `$1$2${REDACTED}`],
  [/\b(bearer|basic|token|negotiate|digest)(\s+)[A-Za-z0-9._~+/=:-]+/gi, `$1$2${REDACTED}`],
  [/\b(access_token|id_token|refresh_token|token|password|passwd|secret|api_key|apikey)(["']?\s*[:=]\s*["']?)[^\s&"',;]+/gi, `$1$2${REDACTED}`],
  [/(\/\/)[^\s/@:]+:[^\s/@]*@/g, `$1${REDACTED}@`],
];

export function redactCredentialPatterns(text: string): string {
  let result = text;
  for (const [pattern, replacement] of CREDENTIAL_PATTERNS) result = result.replace(pattern, replacement);
  return result;
}

/** Known secrets, then credential-shaped text; run on a whole text before any truncation. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let result = text;
  const longestFirst = [...secrets].filter((s) => s.length >= MIN_REDACTED_LENGTH).sort((a, b) => b.length - a.length);
  for (const secret of longestFirst) result = result.split(secret).join(REDACTED);
  return redactCredentialPatterns(result);
}

export function toSourceError(source: string, failure: SourceFailure, secrets: readonly string[]): SourceError {
  return { kind: failure.kind, message: redactSecrets(`${source}: ${failure.detail}`, secrets) };
}

function quoteLabelValue(value: string): string {
  return JSON.stringify(value);
}

/** Prometheus notation: `http_requests_total{code="500", pod="a"}`, or `{pod="a"}` without a name. */
export function formatSeriesLabels(labels: Record<string, string>): string {
  const { __name__: name, ...rest } = labels;
  const pairs = Object.keys(rest)
    .sort()
    .map((key) => `${key}=${quoteLabelValue(rest[key] ?? '')}`);
  return `${name ?? ''}{${pairs.join(', ')}}`;
}

/** At most five series, then "and N more". */
export function formatSeriesList(series: ReadonlyArray<Record<string, string>>): string {
  const shown = series.slice(0, MAX_LISTED_SERIES).map(formatSeriesLabels).join(', ');
  const hidden = series.length - MAX_LISTED_SERIES;
  return hidden > 0 ? `${shown} and ${hidden} more` : shown;
}

/**
 * The start of a body on one line, for messages about answers that are not what was expected.
 * Credential-shaped text is redacted in the whole body first: a token cut in half by the
 * truncation would no longer be recognised (and `secrets`, when given, are redacted too).
 */
export function snippet(body: string, secrets: readonly string[] = []): string {
  const oneLine = redactSecrets(body, secrets).replace(/\s+/g, ' ').trim();
  if (oneLine === '') return '(empty body)';
  const cut = oneLine.length > MAX_SNIPPET_CHARS ? `${oneLine.slice(0, MAX_SNIPPET_CHARS)}…` : oneLine;
  return JSON.stringify(cut);
}
