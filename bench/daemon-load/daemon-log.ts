// The daemon's pino JSON output, counted rather than kept: lines per message at warn and above,
// and a short tail for error reports.

const TAIL_LINES = 40;
const WARN_LEVEL = 40;
// canaryd's logger writes level labels; plain pino writes numbers.
const WARN_LABELS = new Set(['warn', 'error', 'fatal']);

export class DaemonLog {
  private pending = '';
  private readonly lastLines: string[] = [];
  /** Count of warn/error/fatal lines by message. */
  readonly problems = new Map<string, number>();
  lines = 0;

  write(chunk: Buffer): void {
    const text = this.pending + chunk.toString('utf8');
    const parts = text.split('\n');
    this.pending = parts.pop() ?? '';
    for (const line of parts) this.take(line);
  }

  tail(): string[] {
    return [...this.lastLines, ...(this.pending === '' ? [] : [this.pending])];
  }

  private take(line: string): void {
    if (line.trim() === '') return;
    this.lines += 1;
    this.lastLines.push(line);
    if (this.lastLines.length > TAIL_LINES) this.lastLines.shift();
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      return;
    }
    if (typeof parsed !== 'object' || parsed === null) return;
    const { level, msg } = parsed as { level?: unknown; msg?: unknown };
    if ((typeof level === 'number' && level >= WARN_LEVEL) || (typeof level === 'string' && WARN_LABELS.has(level))) {
      const key = typeof msg === 'string' ? msg : '(no message)';
      this.problems.set(key, (this.problems.get(key) ?? 0) + 1);
    }
  }
}
