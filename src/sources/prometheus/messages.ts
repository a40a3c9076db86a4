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

export function redactSecrets(text: string, secrets: readonly string[]): string {
  let result = text;
  const longestFirst = [...secrets].filter((s) => s.length >= MIN_REDACTED_LENGTH).sort((a, b) => b.length - a.length);
  for (const secret of longestFirst) result = result.split(secret).join(REDACTED);
  return result;
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

/** The start of a body on one line, for messages about answers that are not what was expected. */
export function snippet(body: string): string {
  const oneLine = body.replace(/\s+/g, ' ').trim();
  if (oneLine === '') return '(empty body)';
  const cut = oneLine.length > MAX_SNIPPET_CHARS ? `${oneLine.slice(0, MAX_SNIPPET_CHARS)}…` : oneLine;
  return JSON.stringify(cut);
}
