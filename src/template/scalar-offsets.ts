// Where a character of a YAML scalar's value sits in the source text, for problems that point
// inside a string (a condition's ref, a query's placeholder or PromQL error).
//
// The value is aligned greedily with the scalar's source: each value character is matched with the
// next source character equal to it, whitespace matching any whitespace (folded lines turn line
// breaks and indentation into one space). Escapes of double-quoted scalars are decoded on the way,
// so "a\"b" maps `"` to its backslash. This is exact for plain, quoted and literal scalars, and for
// folded ones as long as the value's characters appear in order in the source, which they do.

export type ScalarStyle = 'PLAIN' | 'QUOTE_DOUBLE' | 'QUOTE_SINGLE' | 'BLOCK_LITERAL' | 'BLOCK_FOLDED';

function isWhitespace(char: string | undefined): boolean {
  return char === ' ' || char === '\t' || char === '\n' || char === '\r';
}

/** Source length of the double-quoted escape starting at `source[at] === '\\'`. */
function escapeLength(source: string, at: number): number {
  switch (source[at + 1]) {
    case 'x':
      return 4;
    case 'u':
      return 6;
    case 'U':
      return 10;
    default:
      return 2;
  }
}

function firstContentOffset(source: string, style: ScalarStyle | undefined): number {
  if (style === 'QUOTE_DOUBLE' || style === 'QUOTE_SINGLE') return 1;
  if (style === 'BLOCK_LITERAL' || style === 'BLOCK_FOLDED') {
    // Skip the header (`|`, `>-`, `|2`, a comment) up to its line break.
    const newline = source.indexOf('\n');
    return newline === -1 ? source.length : newline + 1;
  }
  return 0;
}

/**
 * Offsets into `source` (the scalar's own source text, starting at its first character) of each
 * character of `value`, plus one extra entry for the position just after the last character.
 */
export function valueOffsets(source: string, value: string, style: ScalarStyle | undefined): number[] {
  const offsets: number[] = [];
  let at = firstContentOffset(source, style);
  const doubleQuoted = style === 'QUOTE_DOUBLE';
  let index = 0;
  while (index < value.length) {
    const char = value[index] as string;
    let matched = false;
    while (at < source.length) {
      if (doubleQuoted && source[at] === '\\') {
        if (source[at + 1] === '\n' || source[at + 1] === '\r') {
          // Line continuation: produces nothing.
          at += 2;
          while (isWhitespace(source[at])) at += 1;
          continue;
        }
        const length = escapeLength(source, at);
        offsets.push(at);
        // \UXXXXXXXX above U+FFFF decodes to two UTF-16 code units.
        if (length === 10 && index + 1 < value.length && char.charCodeAt(0) >= 0xd800 && char.charCodeAt(0) < 0xdc00) {
          offsets.push(at);
          index += 1;
        }
        at += length;
        matched = true;
        break;
      }
      const sourceChar = source[at];
      if (sourceChar === char || (isWhitespace(char) && isWhitespace(sourceChar))) {
        offsets.push(at);
        at += 1;
        matched = true;
        break;
      }
      at += 1;
    }
    if (!matched) offsets.push(Math.max(0, source.length - 1));
    index += 1;
  }
  const last = offsets[offsets.length - 1];
  offsets.push(last === undefined ? firstContentOffset(source, style) : last + 1);
  return offsets;
}
