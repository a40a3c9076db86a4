// A validation problem located in a file: what `canaryd validate` prints and what loaders return.

import type { LineCounter } from 'yaml';

export interface Problem {
  file: string;
  /** 1-based; 0 when the problem concerns the whole file (e.g. it cannot be read). */
  line: number;
  /** 1-based; 0 together with line 0. */
  column: number;
  message: string;
}

/** `file:line:col: message`, or `file: message` for a problem about the whole file. */
export function formatProblem(problem: Problem): string {
  if (problem.line <= 0) return `${problem.file}: ${problem.message}`;
  return `${problem.file}:${problem.line}:${problem.column}: ${problem.message}`;
}

/** 1-based line and column of a character offset in the text the LineCounter has seen. */
export function positionAt(lineCounter: LineCounter, offset: number): { line: number; column: number } {
  const { line, col } = lineCounter.linePos(Math.max(0, offset));
  return { line, column: col };
}

/** Problems in reading order: by file, then line, then column. */
export function sortProblems(problems: Problem[]): Problem[] {
  return [...problems].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
}
