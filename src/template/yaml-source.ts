// A YAML document kept with its node positions, so that problems found on the plain data (by zod or by
// semantic checks) can be reported at the exact line:col of the node they concern.

import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { positionAt, type Problem } from './problems.js';
import { valueOffsets, type ScalarStyle } from './scalar-offsets.js';

export type Path = ReadonlyArray<string | number>;

/** A problem before it is located: the data path it concerns and what is wrong. */
export interface PathIssue {
  path: Path;
  message: string;
  /** Point at the key of the last path segment rather than at its value. */
  at?: 'key' | 'value';
  /** 0-based index of a character inside the scalar at `path` (its value, after unescaping). */
  valueIndex?: number;
}

export interface YamlSource {
  file: string;
  /** The document as plain data (null when empty); meaningful only if `syntaxProblems` is empty. */
  data: unknown;
  syntaxProblems: Problem[];
  /** Locates an issue; a path that does not exist points at the deepest node that does. */
  locate(issue: PathIssue): Problem;
  /** True when a node exists at `path`. */
  has(path: Path): boolean;
}

/** `spec.steps[2].weight` */
export function formatPath(path: Path): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text === '' ? segment : `.${segment}`;
  }
  return text;
}

interface Found {
  node: Node | null;
  /** The key node of the last segment that was found inside a mapping. */
  key: Node | null;
  complete: boolean;
}

function resolveAlias(doc: Document, node: unknown): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}

function find(doc: Document, path: Path): Found {
  let node = resolveAlias(doc, doc.contents) as Node | null;
  let key: Node | null = null;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => {
        const itemKey = item.key;
        const keyValue = isScalar(itemKey) ? itemKey.value : itemKey;
        return String(keyValue) === String(segment);
      });
      if (pair === undefined) return { node, key, complete: false };
      key = isScalar(pair.key) ? pair.key : null;
      const value = resolveAlias(doc, pair.value) as Node | null;
      // `key:` with nothing after it has an empty null value; point at the key instead.
      const empty = value === null || (isScalar(value) && value.range?.[0] === value.range?.[1]);
      if (empty) return { node: key, key, complete: true };
      node = value;
    } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
      key = null;
      node = resolveAlias(doc, node.items[segment]) as Node | null;
      if (node === null) return { node: null, key, complete: false };
    } else {
      return { node, key, complete: false };
    }
  }
  return { node, key, complete: true };
}

function nodeStart(node: Node | null): number {
  return node?.range?.[0] ?? 0;
}

export function parseYamlSource(text: string, file: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, keepSourceTokens: false });
  const toProblem = (offset: number, message: string): Problem => ({ file, ...positionAt(lineCounter, offset), message });

  const syntaxProblems = [...doc.errors, ...doc.warnings].map((error) => toProblem(error.pos[0], `YAML: ${error.message.split('\n')[0] ?? error.message}`));
  let data: unknown = null;
  if (syntaxProblems.length === 0) {
    try {
      data = doc.toJS({ maxAliasCount: 100 });
    } catch (error) {
      // e.g. an alias expanding too often (a "billion laughs" document)
      syntaxProblems.push(toProblem(0, `YAML: ${error instanceof Error ? error.message : String(error)}`));
    }
  }

  function offsetOf(issue: PathIssue): number {
    const found = find(doc, issue.path);
    if (!found.complete) return nodeStart(found.node);
    if (issue.at === 'key' && found.key !== null) return nodeStart(found.key);
    const node = found.node;
    if (issue.valueIndex !== undefined && isScalar(node) && typeof node.value === 'string' && node.range) {
      const source = text.slice(node.range[0], node.range[1]);
      const offsets = valueOffsets(source, node.value, node.type as ScalarStyle | undefined);
      const index = Math.min(Math.max(0, issue.valueIndex), offsets.length - 1);
      return node.range[0] + (offsets[index] ?? 0);
    }
    return nodeStart(node);
  }

  return {
    file,
    data,
    syntaxProblems,
    locate: (issue) => toProblem(offsetOf(issue), issue.message),
    has: (path) => find(doc, path).complete,
  };
}
