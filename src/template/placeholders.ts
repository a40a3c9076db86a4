// Finds the {{ ... }} placeholders of a query and, for each, the PromQL context it lands in (inside
// a "..." / '...' / `...` string, a # comment, or bare), so that rendering can escape a value for
// exactly that context and validation can point at a bad placeholder.

export type QueryContext = 'bare' | 'double-quoted' | 'single-quoted' | 'backtick' | 'comment';

export type PlaceholderRef = { kind: 'arg'; name: string } | { kind: 'variant' } | { kind: 'window' } | { kind: 'interval' } | { kind: 'invalid' };

export interface Placeholder {
  /** Offsets into the query: `{{` starts at `start`, `}}` ends just before `end`. */
  start: number;
  end: number;
  text: string;
  ref: PlaceholderRef;
  context: QueryContext;
  /** Inside a quoted string right after a lone backslash, which would escape the value's first character. */
  afterBackslash: boolean;
}

export interface QueryScan {
  placeholders: Placeholder[];
  /** Offset of a `{{` that is never closed, if any. */
  unclosedAt: number | null;
}

const PLACEHOLDER_BODY = /^\s*(?:args\.([A-Za-z_][A-Za-z0-9_]*)|(variant|window|interval))\s*$/;

function parseBody(body: string): PlaceholderRef {
  const match = PLACEHOLDER_BODY.exec(body);
  if (match === null) return { kind: 'invalid' };
  if (match[1] !== undefined) return { kind: 'arg', name: match[1] };
  return { kind: match[2] as 'variant' | 'window' | 'interval' };
}

const OPENING_QUOTES: Record<string, QueryContext> = { '"': 'double-quoted', "'": 'single-quoted', '`': 'backtick' };
const CLOSING_QUOTES: Partial<Record<QueryContext, string>> = { 'double-quoted': '"', 'single-quoted': "'", backtick: '`' };

export function scanQuery(query: string): QueryScan {
  const placeholders: Placeholder[] = [];
  let context: QueryContext = 'bare';
  let lonelyBackslash = false;
  let index = 0;
  while (index < query.length) {
    if (query.startsWith('{{', index)) {
      const close = query.indexOf('}}', index + 2);
      if (close === -1) return { placeholders, unclosedAt: index };
      const end = close + 2;
      placeholders.push({
        start: index,
        end,
        text: query.slice(index, end),
        ref: parseBody(query.slice(index + 2, close)),
        context,
        afterBackslash: lonelyBackslash,
      });
      lonelyBackslash = false;
      index = end;
      continue;
    }
    lonelyBackslash = false;
    const char = query[index] as string;
    const quoted = context === 'double-quoted' || context === 'single-quoted';
    if (quoted && char === '\\') {
      if (query.startsWith('{{', index + 1)) {
        lonelyBackslash = true;
        index += 1;
      } else {
        index += 2;
      }
      continue;
    }
    if (context === 'bare') {
      if (char in OPENING_QUOTES) context = OPENING_QUOTES[char] as QueryContext;
      else if (char === '#') context = 'comment';
    } else if (context === 'comment') {
      if (char === '\n') context = 'bare';
    } else if (char === CLOSING_QUOTES[context]) {
      context = 'bare';
    }
    index += 1;
  }
  return { placeholders, unclosedAt: null };
}

/** A query with its placeholders replaced, and a map from output offsets back to query offsets. */
export interface Substitution {
  text: string;
  /** Offset in the original query of the character at `offset` in `text` (a placeholder's start for its value). */
  originalOffset(offset: number): number;
}

export function substitutePlaceholders(query: string, placeholders: readonly Placeholder[], valueFor: (placeholder: Placeholder) => string): Substitution {
  const segments: Array<{ outputStart: number; outputEnd: number; placeholder: Placeholder }> = [];
  let text = '';
  let copiedUpTo = 0;
  for (const placeholder of placeholders) {
    text += query.slice(copiedUpTo, placeholder.start);
    const value = valueFor(placeholder);
    segments.push({ outputStart: text.length, outputEnd: text.length + value.length, placeholder });
    text += value;
    copiedUpTo = placeholder.end;
  }
  text += query.slice(copiedUpTo);
  return {
    text,
    originalOffset(offset: number): number {
      let shift = 0;
      for (const segment of segments) {
        if (offset < segment.outputStart) break;
        if (offset < segment.outputEnd) return segment.placeholder.start;
        shift = segment.placeholder.end - segment.outputEnd;
      }
      return offset + shift;
    },
  };
}
